// How `capwatch replay` cuts its input into lines: at LF, a CR before it dropped, whatever the chunks are, a last line
// without its LF read too; as the live TCP framing cuts a stream.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { replay } from '../src/commands/replay.js';
import { buildConfig } from '../src/config.js';
import { textSink } from './helpers/text-sink.js';

async function replayChunks(chunks: Buffer[]) {
  const out = textSink();
  const err = textSink();
  const code = await replay(['-'], { json: true, config: buildConfig({}), stdout: out.stream, stderr: err.stream, stdin: Readable.from(chunks) });
  return { code, detections: out.text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { command: string; device: string }), summary: err.text() };
}

describe('replay reads lines', () => {
  it('cut at LF with CR dropped, across chunks that split lines and UTF-8 characters, the last line without LF too', async () => {
    const text =
      '<189>1: sw-é1: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:monitor capture CAPÉ start\r\n' +
      '\r\n' +
      '<189>2: sw-é1: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up\n' +
      '<189>3: sw-é2: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:monitor session 1 destination remote vlan 99';
    const bytes = Buffer.from(text, 'utf8');
    // Every 7 bytes: lines, CRLF pairs and the two-byte é all fall across chunk boundaries somewhere.
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    const r = await replayChunks(chunks);
    expect(r.code).toBe(0);
    expect(r.summary).toMatch(/^replay: 4 lines read/);
    expect(r.detections.map((d) => d.command)).toEqual(['monitor capture CAPÉ start', 'monitor session 1 destination remote vlan 99']);
    expect(JSON.stringify(r.detections)).not.toContain('\\r');
  });
});
