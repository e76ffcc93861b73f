// A simulated Cisco/Juniper device on an ssh2 Server, standing in for real routers in tests and benchmarks: prompts,
// pty-style echo, the --More-- pager, invalid-input answers, slow answers and abrupt drops, as the real boxes show them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel, Session } from 'ssh2';
import { ed25519Pair } from './ssh-keys.js';

const { Server, utils } = ssh2;

export type SimPlatform = 'ios' | 'iosxe' | 'nxos' | 'asa' | 'junos';
export interface SimUser {
  password?: string;
  /** OpenSSH public key line ("ssh-ed25519 AAAA… comment") */
  publicKey?: string;
}
export interface SimDeviceOptions {
  /** Prompt base, e.g. "csr8". */
  hostname: string;
  platform: SimPlatform;
  /** PEM/OpenSSH private host key; default: one ed25519 key generated once per process and reused. */
  hostKey?: string | Buffer;
  /** Default { admin: { password: 'secret' } }. */
  users?: Record<string, SimUser>;
  /** command → output text. Matching: whitespace-collapsed, case-insensitive, exact. */
  outputs?: Record<string, string>;
  /** Exec channel requests accepted (default true). false = the exec request is rejected (accept() the session, then reject() the exec). */
  exec?: boolean;
  /** Interactive shell accepted (default true); pty requests are always accepted when shell is. */
  shell?: boolean;
  /** Paging: lines per page (default 24) until the paging command is given. */
  pageLines?: number;
  /** "Paging left on": the paging command is rejected with the platform's invalid-input answer and paging stays on. */
  pagingStuck?: boolean;
  /** Wait this long before answering each command (exec or shell). Default 0. */
  delayMs?: number;
  /**
   * Reset the TCP connection (no SSH disconnect) when the device's Nth command (1-based, counted over all
   * connections, exec or shell, paging command included) is received. That command is recorded but never answered.
   */
  dropAtCommand?: number;
  /** Text shown before the first prompt in the shell (MOTD / login banner). */
  banner?: string;
  /** IOS behaviour: after an exec command completes, the server ends the whole connection. Default false. */
  execClosesConnection?: boolean;
  /** Exec output also pages (as if a pty were allocated): default false, exec output is never paged. */
  pageExec?: boolean;
  /** Listen on this port (default: any free one): another device taking over an address, as after a hardware swap. */
  port?: number;
}
export interface SimDevice {
  host: '127.0.0.1';
  port: number;
  /** OpenSSH fingerprint of the host key: "SHA256:" + unpadded base64 of sha256(public key blob). */
  fingerprint: string;
  /** OpenSSH public key line of the host key ("ssh-ed25519 AAAA…"), for writing known_hosts files. */
  publicKeyLine: string;
  /** Every command line received, trimmed, in order, exec and shell alike, paging commands included; pager keypresses are not commands. */
  readonly commands: string[];
  /** Authenticated connections so far. */
  readonly logins: number;
  close(): Promise<void>;
}

/** A paging/terminal command the platform knows: what it answers and, for the length commands, the new page size (0 = off). */
interface PagingAnswer {
  reply: string;
  pageLines?: number;
}

interface Platform {
  /** Software version in the SSH identification string, as the real boxes announce themselves. */
  ident: string;
  prompt(host: string, user: string): string;
  more: string;
  /** The unknown-command answer with its caret at column `col`. */
  invalid(col: number): string;
  /** Line end of exec output (no pty): IOS-family code writes CRLF everywhere, NX-OS and Junos run it through a Unix shell. */
  execEol: string;
  paging(words: string[]): PagingAnswer | undefined;
}

/** `word` is `full` abbreviated to at least `min` characters, as the Cisco parser accepts ("term len 0"). */
function abbrev(word: string | undefined, full: string, min: number): boolean {
  return word !== undefined && word.length >= min && full.startsWith(word);
}

function count(word: string | undefined): number | undefined {
  return word !== undefined && /^\d+$/.test(word) ? Number(word) : undefined;
}

/** IOS, IOS XE, NX-OS: `terminal length N`, `terminal width N`. */
function ciscoTerminal(words: string[]): PagingAnswer | undefined {
  const n = count(words[2]);
  if (words.length !== 3 || n === undefined || !abbrev(words[0], 'terminal', 4)) return undefined;
  if (abbrev(words[1], 'length', 3)) return { reply: '', pageLines: n };
  if (abbrev(words[1], 'width', 3)) return { reply: '' };
  return undefined;
}

/** ASA: `terminal pager [lines] N`, `terminal width N`. */
function asaTerminal(words: string[]): PagingAnswer | undefined {
  if (!abbrev(words[0], 'terminal', 4)) return undefined;
  if (abbrev(words[1], 'pager', 3)) {
    const rest = words[2] === 'lines' ? words.slice(3) : words.slice(2);
    const n = count(rest[0]);
    return rest.length === 1 && n !== undefined ? { reply: '', pageLines: n } : undefined;
  }
  return words.length === 3 && abbrev(words[1], 'width', 3) && count(words[2]) !== undefined ? { reply: '' } : undefined;
}

/** Junos: `set cli screen-length N`, `set cli screen-width N`. */
function junosCli(words: string[]): PagingAnswer | undefined {
  const n = count(words[3]);
  if (words.length !== 4 || words[0] !== 'set' || words[1] !== 'cli' || n === undefined) return undefined;
  if (words[2] === 'screen-length') return { reply: `Screen length set to ${n}\n`, pageLines: n };
  if (words[2] === 'screen-width') return { reply: `Screen width set to ${n}\n` };
  return undefined;
}

const caret = (col: number): string => `${' '.repeat(col)}^\n`;
const IOS: Platform = {
  ident: 'Cisco-1.25',
  prompt: (host) => `${host}#`,
  more: ' --More-- ',
  // IOS leaves a blank line after the message.
  invalid: (col) => `${caret(col)}% Invalid input detected at '^' marker.\n\n`,
  execEol: '\r\n',
  paging: ciscoTerminal,
};
const PLATFORMS: Record<SimPlatform, Platform> = {
  ios: IOS,
  iosxe: IOS,
  nxos: {
    ident: 'OpenSSH_8.3',
    prompt: (host) => `${host}# `,
    more: ' --More-- ',
    invalid: (col) => `${caret(col)}% Invalid command at '^' marker.\n`,
    execEol: '\n',
    paging: ciscoTerminal,
  },
  asa: {
    ident: 'Cisco-1.25',
    prompt: (host) => `${host}# `,
    more: '<--- More --->',
    invalid: (col) => `${caret(col)}ERROR: % Invalid input detected at '^' marker.\n`,
    execEol: '\r\n',
    paging: asaTerminal,
  },
  junos: {
    ident: 'OpenSSH_7.5',
    prompt: (host, user) => `${user}@${host}> `,
    more: '---(more)---',
    invalid: (col) => `${caret(col)}unknown command.\n`,
    execEol: '\n',
    paging: junosCli,
  },
};

/** Methods announced on a failed attempt, as IOS does; keyboard-interactive is offered but always fails. */
const AUTH_METHODS: ('publickey' | 'keyboard-interactive' | 'password')[] = ['publickey', 'keyboard-interactive', 'password'];
const EXIT = new Set(['exit', 'quit', 'logout']);
const DEFAULT_USERS: Record<string, SimUser> = { admin: { password: 'secret' } };

const normalize = (cmd: string): string => cmd.trim().replace(/\s+/g, ' ').toLowerCase();

interface HostKey {
  parsed: ParsedKey;
  fingerprint: string;
  publicKeyLine: string;
}

function hostKeyInfo(key: string | Buffer): HostKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  const blob = parsed.getPublicSSH();
  return {
    parsed,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    publicKeyLine: `${parsed.type} ${blob.toString('base64')}`,
  };
}

/** One key per process: hundreds of simulated devices in a benchmark share it instead of generating and holding their own. */
let sharedHostKey: HostKey | undefined;

/** One TCP connection: the raw socket is kept so a drop can reset it instead of disconnecting cleanly. */
interface Conn {
  socket: Socket;
  user: string;
  client?: Connection;
  terms: Set<Term>;
}

class Device implements SimDevice {
  readonly host = '127.0.0.1' as const;
  port = 0;
  readonly fingerprint: string;
  readonly publicKeyLine: string;
  readonly commands: string[] = [];
  readonly platform: Platform;
  readonly outputs = new Map<string, string>();
  private loginCount = 0;
  private readonly users: Record<string, SimUser>;
  private readonly userKeys = new Map<string, ParsedKey>();
  /** By remote "ip:port": the only handle ssh2's 'connection' event gives back to find the injected socket. */
  private readonly conns = new Map<string, Conn>();
  private readonly net: NetServer;

  constructor(readonly o: SimDeviceOptions) {
    const key = o.hostKey === undefined ? (sharedHostKey ??= hostKeyInfo(ed25519Pair().private)) : hostKeyInfo(o.hostKey);
    this.fingerprint = key.fingerprint;
    this.publicKeyLine = key.publicKeyLine;
    this.platform = PLATFORMS[o.platform];
    for (const [cmd, text] of Object.entries(o.outputs ?? {})) this.outputs.set(normalize(cmd), text);
    this.users = o.users ?? DEFAULT_USERS;
    for (const [name, user] of Object.entries(this.users)) {
      if (user.publicKey === undefined) continue;
      const parsed = utils.parseKey(user.publicKey);
      if (parsed instanceof Error) throw new Error(`user ${name}: ${parsed.message}`);
      this.userKeys.set(name, parsed);
    }
    const ssh = new Server({ hostKeys: [{ key: key.parsed }], ident: this.platform.ident }, (client, info) => {
      // Client misbehaviour (garbage, resets, failed handshakes) must never take the simulator down.
      client.on('error', () => {});
      const conn = this.conns.get(`${info.ip}:${info.port}`);
      if (conn) this.attach(conn, client);
      else client.end();
    });
    // Our own listener hands sockets to ssh2, which does not expose them, so that dropAtCommand can reset the TCP connection.
    this.net = createServer((socket) => {
      const id = `${socket.remoteAddress}:${socket.remotePort}`;
      const conn: Conn = { socket, user: '', terms: new Set() };
      this.conns.set(id, conn);
      // Echo and prompts are small writes; Nagle would add delayed-ACK waits to every keystroke.
      socket.setNoDelay(true);
      socket.once('close', () => {
        if (this.conns.get(id) === conn) this.conns.delete(id);
        for (const t of conn.terms) t.stop();
      });
      ssh.injectSocket(socket);
    });
  }

  get logins(): number {
    return this.loginCount;
  }

  async listen(): Promise<void> {
    await new Promise<void>((res, rej) => {
      this.net.once('error', rej);
      this.net.listen(this.o.port ?? 0, this.host, () => {
        this.net.off('error', rej);
        res();
      });
    });
    // Accept errors (e.g. EMFILE under a large benchmark) refuse that one connection; they must not crash the process.
    this.net.on('error', () => {});
    this.port = (this.net.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((res) => {
      this.net.close(() => res());
      for (const c of this.conns.values()) c.socket.destroy();
    });
  }

  /** Records a command; false when it is the one to drop the connection at (the socket is reset by then). */
  received(cmd: string, conn: Conn): boolean {
    this.commands.push(cmd);
    if (this.commands.length !== this.o.dropAtCommand) return true;
    // RST, as from a crashed box or a firewall: the client sees ECONNRESET, not an SSH disconnect or a FIN.
    conn.socket.resetAndDestroy();
    return false;
  }

  private attach(conn: Conn, client: Connection): void {
    conn.client = client;
    client.on('authentication', (ctx) => this.authenticate(conn, ctx));
    client.on('ready', () => this.loginCount++);
    client.on('session', (accept) => this.session(conn, accept()));
  }

  private authenticate(conn: Conn, ctx: AuthContext): void {
    const user = this.users[ctx.username];
    let ok = false;
    if (user && ctx.method === 'password') {
      ok = user.password !== undefined && ctx.password === user.password;
    } else if (user && ctx.method === 'publickey') {
      const key = this.userKeys.get(ctx.username);
      if (key && ctx.key.data.equals(key.getPublicSSH())) {
        // Without a signature the client only asks whether this key would do: accept() answers PK_OK and it signs next.
        if (!ctx.signature) return ctx.accept();
        ok = ctx.blob !== undefined && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
      }
    }
    if (!ok) return ctx.reject(AUTH_METHODS);
    conn.user = ctx.username;
    ctx.accept();
  }

  private session(conn: Conn, session: Session): void {
    const shell = this.o.shell !== false;
    // reject/accept are undefined when the client asked for no reply.
    session.on('pty', (accept, reject) => (shell ? accept : reject)?.());
    session.on('window-change', (accept) => accept?.());
    session.on('shell', (accept, reject) => {
      if (!shell) return reject?.();
      new Term(this, conn, accept(), true).startShell();
    });
    session.on('exec', (accept, reject, info) => {
      if (this.o.exec === false) return reject?.();
      new Term(this, conn, accept(), false).exec(info.command);
    });
  }
}

/** One shell or exec channel: line editing, command answers and the pager. */
class Term {
  /** line: reading a command; busy: answering (input is kept as typeahead); more: at the pager; closed: done. */
  private state: 'line' | 'busy' | 'more' | 'closed' = 'busy';
  private input = '';
  private line = '';
  private afterCR = false;
  /** Written at the end of each input burst or answer, so echo and output leave in few SSH packets. */
  private out = '';
  private lines: string[] = [];
  private pos = 0;
  private timer: NodeJS.Timeout | undefined;
  private pageLines: number;
  private readonly prompt: string;
  private readonly eol: string;

  constructor(
    private readonly dev: Device,
    private readonly conn: Conn,
    private readonly ch: ServerChannel,
    private readonly shell: boolean,
  ) {
    this.prompt = dev.platform.prompt(dev.o.hostname, conn.user);
    this.eol = shell ? '\r\n' : dev.platform.execEol;
    this.pageLines = shell || dev.o.pageExec ? (dev.o.pageLines ?? 24) : 0;
    conn.terms.add(this);
    ch.on('error', () => {});
    ch.on('data', (d: Buffer) => {
      if (this.state === 'closed') return;
      this.input += d.toString();
      this.pump();
    });
    ch.on('close', () => {
      this.stop();
      conn.terms.delete(this);
    });
  }

  startShell(): void {
    const banner = this.dev.o.banner;
    this.w(`${banner ? banner.replace(/\r?\n/g, '\r\n') : ''}\r\n${this.prompt}`);
    this.state = 'line';
    this.pump();
  }

  exec(cmd: string): void {
    this.command(cmd.trim());
    this.flush();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.state = 'closed';
    this.out = '';
    this.input = '';
  }

  private w(s: string): void {
    this.out += s;
  }

  private flush(): void {
    if (!this.out) return;
    this.ch.write(this.out);
    this.out = '';
  }

  /** Consumes typed input while a command line or pager keypress is awaited; the rest waits as typeahead. */
  private pump(): void {
    let i = 0;
    for (; i < this.input.length && (this.state === 'line' || this.state === 'more'); i++) {
      const c = this.input[i]!;
      // CRLF is one Enter.
      if (c === '\n' && this.afterCR) {
        this.afterCR = false;
        continue;
      }
      this.afterCR = c === '\r';
      const enter = c === '\r' || c === '\n';
      if (this.state === 'line') this.key(c, enter);
      else this.moreKey(c, enter);
    }
    this.input = this.input.slice(i);
    this.flush();
  }

  private key(c: string, enter: boolean): void {
    if (enter) {
      this.w('\r\n');
      const cmd = this.line.trim();
      this.line = '';
      if (cmd) this.command(cmd);
      else this.w(this.prompt);
    } else if (c === '\x7f' || c === '\b') {
      if (!this.line) return;
      this.line = this.line.slice(0, -1);
      this.w('\b \b');
    } else if (c >= ' ') {
      this.line += c;
      this.w(c);
    }
  }

  private moreKey(c: string, enter: boolean): void {
    if (c === ' ' || enter) {
      // Devices wipe the pager text in place before the next line(s).
      this.w(`\r${' '.repeat(this.dev.platform.more.length)}\r`);
      this.page(enter ? 1 : this.pageLines);
    } else {
      // 'q' — and, as on IOS, any other key — ends the output.
      this.lines = [];
      this.w('\r\n');
      this.finish();
    }
  }

  private command(cmd: string): void {
    if (!this.dev.received(cmd, this.conn)) return this.stop();
    this.state = 'busy';
    const delay = this.dev.o.delayMs ?? 0;
    if (delay <= 0) return this.answer(cmd);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.answer(cmd);
      this.pump();
    }, delay);
  }

  private answer(cmd: string): void {
    const words = normalize(cmd);
    if (this.shell && EXIT.has(words)) {
      this.flush();
      this.state = 'closed';
      this.ch.end();
      return;
    }
    const p = this.dev.platform;
    const paging = p.paging(words.split(' '));
    let text: string | undefined;
    if (paging && !(paging.pageLines !== undefined && this.dev.o.pagingStuck)) {
      if (paging.pageLines !== undefined) this.pageLines = paging.pageLines;
      text = paging.reply;
    } else if (!paging) {
      text = this.dev.outputs.get(words);
    }
    this.show(text ?? p.invalid(this.prompt.length));
  }

  private show(text: string): void {
    this.lines = text.split(/\r?\n/);
    if (this.lines.at(-1) === '') this.lines.pop();
    this.pos = 0;
    this.page(this.pageLines || Infinity);
  }

  private page(n: number): void {
    const end = Math.min(this.lines.length, this.pos + n);
    for (; this.pos < end; this.pos++) this.w(this.lines[this.pos] + this.eol);
    if (this.pos < this.lines.length) {
      this.w(this.dev.platform.more);
      this.state = 'more';
      return;
    }
    this.lines = [];
    this.finish();
  }

  private finish(): void {
    if (this.shell) {
      this.w(this.prompt);
      this.state = 'line';
      return;
    }
    // Exec: exit status only after the output has gone out, then EOF and close.
    this.state = 'closed';
    const out = this.out;
    this.out = '';
    const done = (): void => {
      this.ch.exit(0);
      this.ch.end();
      if (this.dev.o.execClosesConnection) this.ch.once('close', () => this.conn.client?.end());
    };
    if (out) this.ch.write(out, done);
    else done();
  }
}

export async function startSimDevice(o: SimDeviceOptions): Promise<SimDevice> {
  const device = new Device(o);
  await device.listen();
  return device;
}

let fixtureDir: string | undefined;

/** Reads fixtures/show/<name> (the project's real show outputs) without its first line, which names the source. */
export function fixtureOutput(name: string): string {
  fixtureDir ??= findFixtureDir();
  const text = readFileSync(join(fixtureDir, name), 'utf8');
  const nl = text.indexOf('\n');
  return nl < 0 ? '' : text.slice(nl + 1);
}

/** Searched upwards because this file runs both from test/helpers (vitest) and from dist/test/helpers (benchmarks). */
function findFixtureDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'fixtures', 'show');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`no fixtures/show above ${start}`);
  }
}
