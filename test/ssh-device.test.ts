// The simulated SSH device (test/helpers/ssh-device.ts) driven by a plain ssh2 Client: auth, exec, the shell with its
// pager, per-platform answers, delays and drops — so tests built on it can trust what it shows.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureOutput, startSimDevice, type SimDevice, type SimDeviceOptions } from './helpers/ssh-device.js';
import { ed25519Pair } from './helpers/ssh-keys.js';

const { Client, utils } = ssh2;
type SshClient = InstanceType<typeof Client>;

const SESSION_ALL = fixtureOutput('iosxe__show_monitor_session_all__1.txt');
/** 30 numbered lines, to page through. */
const LONG = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

const open: { devices: SimDevice[]; clients: SshClient[] } = { devices: [], clients: [] };
afterEach(async () => {
  for (const c of open.clients.splice(0)) c.end();
  await Promise.all(open.devices.splice(0).map((d) => d.close()));
});

async function device(o: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  const d = await startSimDevice({ hostname: 'csr8', platform: 'iosxe', ...o });
  open.devices.push(d);
  return d;
}

function connect(d: SimDevice, cfg: Partial<ConnectConfig> = {}): Promise<SshClient> {
  const c = new Client();
  open.clients.push(c);
  return new Promise((res, rej) => {
    c.once('ready', () => res(c));
    c.once('error', rej);
    c.connect({ host: d.host, port: d.port, username: 'admin', password: 'secret', readyTimeout: 3000, ...cfg });
  });
}

function exec(c: SshClient, cmd: string): Promise<{ out: string; code: number | undefined }> {
  return new Promise((res, rej) => {
    c.exec(cmd, (err, ch) => {
      if (err) return rej(err);
      let out = '';
      let code: number | undefined;
      ch.on('data', (d: Buffer) => (out += d.toString()));
      ch.on('exit', (c: number) => (code = c));
      ch.on('close', () => res({ out, code }));
    });
  });
}

/** An interactive shell that collects everything the device writes. */
async function shell(c: SshClient): Promise<{ ch: ClientChannel; until: (text: string) => Promise<string> }> {
  const ch = await new Promise<ClientChannel>((res, rej) => c.shell((err, ch) => (err ? rej(err) : res(ch))));
  let buf = '';
  let waiter: (() => void) | undefined;
  ch.on('data', (d: Buffer) => {
    buf += d.toString();
    waiter?.();
  });
  /** Everything up to and including the next `text`, consumed. */
  const until = (text: string): Promise<string> =>
    new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out waiting for ${JSON.stringify(text)}; have ${JSON.stringify(buf)}`)), 2000);
      const check = (): void => {
        const i = buf.indexOf(text);
        if (i < 0) return;
        clearTimeout(t);
        waiter = undefined;
        const got = buf.slice(0, i + text.length);
        buf = buf.slice(i + text.length);
        res(got);
      };
      waiter = check;
      check();
    });
  return { ch, until };
}

describe('simulated SSH device', () => {
  it('answers exec with the fixture, exit status 0, and presents the advertised host key', async () => {
    const d = await device({ outputs: { 'show monitor session all': SESSION_ALL } });
    let seen = '';
    const c = await connect(d, {
      hostVerifier: (key: Buffer) => {
        seen = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
        return true;
      },
    });
    expect(seen).toBe(d.fingerprint);
    expect(d.publicKeyLine).toMatch(/^ssh-ed25519 AAAA/);
    const r = await exec(c, '  SHOW   monitor session ALL ');
    // The fixture's last line has no line end; the device ends it before its prompt would follow.
    expect(r).toEqual({ out: `${SESSION_ALL}\n`.replace(/\n/g, '\r\n'), code: 0 });
    const bad = await exec(c, 'show bogus');
    expect(bad.code).toBe(0);
    expect(bad.out).toContain("% Invalid input detected at '^' marker.");
    expect(d.commands).toEqual(['SHOW   monitor session ALL', 'show bogus']);
    expect(d.logins).toBe(1);
  });

  it('rejects a wrong password and an unknown key, accepts a listed key', async () => {
    const good = ed25519Pair();
    const other = ed25519Pair();
    const d = await device({ users: { admin: { password: 'secret' }, ops: { publicKey: good.public } } });
    await expect(connect(d, { password: 'wrong' })).rejects.toThrow(/authentication methods failed/);
    await expect(connect(d, { username: 'ops', password: undefined, privateKey: other.private })).rejects.toThrow(/authentication methods failed/);
    await connect(d, { username: 'ops', password: undefined, privateKey: good.private });
    expect(d.logins).toBe(1);
  });

  it('shell: banner, echo, pager (space, Enter, q), terminal length 0, exit', async () => {
    const d = await device({ banner: 'Authorized access only', pageLines: 10, outputs: { 'show long': LONG } });
    const { ch, until } = await shell(await connect(d));
    expect(await until('csr8#')).toBe('Authorized access only\r\ncsr8#');
    ch.write('show long\r\n');
    const first = await until(' --More-- ');
    expect(first).toBe(`show long\r\n${LONG.split('\n').slice(0, 10).join('\r\n')}\r\n --More-- `);
    ch.write(' ');
    expect(await until(' --More-- ')).toMatch(/^\r {10}\rline 11\r\n[^]*line 20\r\n --More-- $/);
    ch.write('\r');
    expect(await until(' --More-- ')).toBe('\r          \rline 21\r\n --More-- ');
    ch.write('q');
    expect(await until('csr8#')).toBe('\r\ncsr8#');
    ch.write('term len 0\r');
    expect(await until('csr8#')).toBe('term len 0\r\ncsr8#');
    ch.write('show long\r');
    expect(await until('csr8#')).toBe(`show long\r\n${LONG.replace(/\n/g, '\r\n')}csr8#`);
    const closed = new Promise((res) => ch.on('close', res));
    ch.write('exit\r');
    await closed;
    expect(d.commands).toEqual(['show long', 'term len 0', 'show long', 'exit']);
  });

  it('per platform: NX-OS with paging stuck, Junos prompt and answers, ASA pager', async () => {
    const nx = await device({ hostname: 'n9k', platform: 'nxos', pageLines: 5, pagingStuck: true, outputs: { 'show long': LONG } });
    const n = await shell(await connect(nx));
    await n.until('n9k# ');
    n.ch.write('terminal length 0\r');
    expect(await n.until('n9k# ')).toBe("terminal length 0\r\n     ^\r\n% Invalid command at '^' marker.\r\nn9k# ");
    n.ch.write('show long\r');
    expect(await n.until(' --More-- ')).toContain('line 5\r\n --More-- ');

    const jn = await device({ hostname: 'mx1', platform: 'junos', outputs: { 'show long': LONG } });
    const j = await shell(await connect(jn));
    await j.until('admin@mx1> ');
    j.ch.write('set cli screen-length 0\r');
    expect(await j.until('admin@mx1> ')).toBe('set cli screen-length 0\r\nScreen length set to 0\r\nadmin@mx1> ');
    j.ch.write('show nothing\r');
    expect(await j.until('admin@mx1> ')).toMatch(/\^\r\nunknown command\.\r\nadmin@mx1> $/);

    const asa = await device({ hostname: 'fw', platform: 'asa', pageLines: 5, outputs: { 'show long': LONG } });
    const a = await shell(await connect(asa));
    await a.until('fw# ');
    a.ch.write('show long\r');
    await a.until('<--- More --->');
    a.ch.write('q');
    await a.until('fw# ');
    a.ch.write('terminal pager 0\rshow long\r');
    expect(await a.until('line 30\r\nfw# ')).not.toContain('More');
  });

  it('exec rejected while the shell works; pageExec pages exec output', async () => {
    const d = await device({ exec: false, outputs: { 'show long': LONG } });
    const c = await connect(d);
    await expect(exec(c, 'show long')).rejects.toThrow();
    const { until } = await shell(c);
    await until('csr8#');
    expect(d.commands).toEqual([]);

    const p = await device({ pageExec: true, pageLines: 25, outputs: { 'show long': LONG } });
    const pc = await connect(p);
    const out = await new Promise<string>((res, rej) =>
      pc.exec('show long', (err, ch) => {
        if (err) return rej(err);
        let s = '';
        ch.on('data', (b: Buffer) => {
          s += b.toString();
          if (s.endsWith(' --More-- ')) ch.write(' ');
        });
        ch.on('close', () => res(s));
      }),
    );
    expect(out).toContain('line 25\r\n --More-- \r          \rline 26\r\n');
    expect(out.endsWith('line 30\r\n')).toBe(true);
  });

  it('waits delayMs per answer; execClosesConnection ends the connection after the exec', async () => {
    const d = await device({ delayMs: 200, execClosesConnection: true, outputs: { 'show clock': '*12:00:00.000 UTC Mon Jan 1 2024\n' } });
    const c = await connect(d);
    const ended = new Promise<void>((res) => c.once('close', () => res()));
    const t0 = performance.now();
    expect((await exec(c, 'show clock')).out).toBe('*12:00:00.000 UTC Mon Jan 1 2024\r\n');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    await ended;
  });

  it('dropAtCommand resets the TCP connection at the Nth command, unanswered', async () => {
    const d = await device({ dropAtCommand: 2, outputs: { 'show version': 'Cisco IOS XE Software\n' } });
    const c = await connect(d);
    const error = new Promise<NodeJS.ErrnoException>((res) => c.once('error', res));
    const { ch, until } = await shell(c);
    await until('csr8#');
    ch.write('terminal length 0\r');
    await until('csr8#');
    let after = '';
    ch.on('data', (b: Buffer) => (after += b.toString()));
    ch.write('show version\r');
    expect((await error).code).toBe('ECONNRESET');
    expect(after).not.toContain('Cisco IOS XE Software');
    expect(d.commands).toEqual(['terminal length 0', 'show version']);
    // The device keeps serving: the next connection works.
    expect((await exec(await connect(d), 'show version')).out).toBe('Cisco IOS XE Software\r\n');
  });
});
