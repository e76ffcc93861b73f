// Baseline for `npm run bench:tacacs`: a bare node:net TACACS+ responder with capwatch's own codec that answers
// SUCCESS at once — no client table, no storage, no detection. What the protocol costs on this machine by itself.
import { createServer } from 'node:net';
import { TacacsFramer } from '../parsers/tacacs/framer.js';
import { ACCT_STATUS, accountingReply, decodeAccountingRequest, FLAG, headerFlags, HEADER_BYTES, obfuscate } from '../parsers/tacacs/packet.js';

const key = Buffer.from(process.argv[3] ?? 'bench-key');
const server = createServer((sock) => {
  const framer = new TacacsFramer();
  let single: boolean | undefined;
  sock.on('error', () => {});
  sock.on('data', (chunk: Buffer) => {
    framer.push(chunk, (pkt) => {
      single ??= (headerFlags(pkt) & FLAG.singleConnect) !== 0;
      const header = pkt.subarray(0, HEADER_BYTES);
      decodeAccountingRequest(obfuscate(pkt.subarray(HEADER_BYTES), key, header));
      sock.write(accountingReply(header, ACCT_STATUS.success, { flags: single ? FLAG.singleConnect : 0, key }));
      if (!single) sock.end();
    });
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
