// The baseline: the least a Node receiver can do (frame and count, nothing else), as in research/perf-baseline.md.
// Prints {"udp":N,"tcp":N} every 200 ms so the runner can see when traffic has drained.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const [udpPort = '0', tcpPort = '0'] = process.argv.slice(2);
let udp = 0;
let tcp = 0;

const sock = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
sock.on('message', (msg) => {
  msg.toString('utf8');
  udp++;
});
sock.bind(Number(udpPort), '127.0.0.1');

createServer((c) => {
  let tail: Buffer | undefined;
  c.on('data', (chunk: Buffer) => {
    const buf = tail ? Buffer.concat([tail, chunk]) : chunk;
    let start = 0;
    for (;;) {
      // RFC 6587: octet-counted when the frame starts with a digit, else LF-terminated.
      const first = buf[start];
      if (first !== undefined && first >= 0x31 && first <= 0x39) {
        const sp = buf.indexOf(0x20, start);
        if (sp < 0) break;
        const len = Number(buf.toString('latin1', start, sp));
        if (sp + 1 + len > buf.length) break;
        buf.toString('utf8', sp + 1, sp + 1 + len);
        start = sp + 1 + len;
      } else {
        const lf = buf.indexOf(0x0a, start);
        if (lf < 0) break;
        buf.toString('utf8', start, lf);
        start = lf + 1;
      }
      tcp++;
    }
    tail = start < buf.length ? buf.subarray(start) : undefined;
  });
  c.on('error', () => {});
}).listen(Number(tcpPort), '127.0.0.1');

setInterval(() => process.stdout.write(`${JSON.stringify({ udp, tcp })}\n`), 200);
