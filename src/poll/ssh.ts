// One SSH login to a device and the read-only commands run there: over exec channels (one per command) or, when
// the device refuses exec, an interactive shell read up to its prompt. ssh2 does the protocol; this module knows
// how network devices behave: IOS ends the connection after an exec, pagers wait for a key, prompts end in # or >.
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { ShowOutput } from '../../parsers/show/index.js';
import { assertReadOnly, type CommandSet } from './commands.js';
import type { HostKeyVerdict } from './host-keys.js';
import type { Transport } from './inventory.js';

export interface SshLogin {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  legacyAlgorithms?: boolean;
}

export interface SshOptions {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Decides on the host key before any credential is sent. */
  verifyHostKey: (keyBlob: Buffer) => HostKeyVerdict;
}

export type PollErrorKind = 'connect' | 'host-key' | 'auth' | 'timeout' | 'closed' | 'refused' | 'output';

/** Why a device could not be checked. Messages name the device's address and what happened, never a credential. */
export class PollError extends Error {
  constructor(
    readonly kind: PollErrorKind,
    message: string,
    /** The login succeeded before this went wrong (the device is reachable). */
    readonly loggedIn = true,
  ) {
    super(message);
    this.name = 'PollError';
  }
}

export interface CommandRun {
  transport: 'exec' | 'shell';
  outputs: ShowOutput[];
}

/** A show output larger than this is not a show output; stop reading rather than hold it. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const PAGER = /(?:--More--|<--- More --->|---\(more(?: \d+%)?\)---)[\s\x08]*$/;
// host#, host(config)#, switch# , asa/ctx/act# , user@host> , {master:0} is on its own line before Junos prompts.
const PROMPT = /(?:^|[\r\n])([A-Za-z0-9][\w.\-@/:()~]{0,127} ?[#>]) ?$/;
const LOGOUT_WAIT_MS = 1000;
/** After a prompt-shaped tail, wait this long for more text before trusting it (a banner line can end in `#`). */
const PROMPT_SETTLE_MS = 150;

const LEGACY: ConnectConfig['algorithms'] = {
  kex: { append: ['diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group1-sha1'], prepend: [], remove: [] },
  cipher: { append: ['aes128-cbc', 'aes256-cbc', '3des-cbc'], prepend: [], remove: [] },
  serverHostKey: { append: ['ssh-dss'], prepend: [], remove: [] },
};

/** Logs in, runs the platform's commands over the transport the device accepts, logs out. */
export async function runDeviceCommands(login: SshLogin, commands: CommandSet, transport: Transport, o: SshOptions): Promise<CommandRun> {
  for (const c of [commands.paging, ...commands.show]) assertReadOnly(c);
  const session = new Login(login, o);
  try {
    if (transport !== 'shell') {
      try {
        return { transport: 'exec', outputs: await execAll(session, commands.show, o.commandTimeoutMs) };
      } catch (err) {
        if (!(err instanceof ExecRefused)) throw err;
        if (transport === 'exec') throw new PollError('refused', `${login.host}:${login.port}: the device refused the exec request (${err.message})`);
      }
    }
    return { transport: 'shell', outputs: await (await session.connection()).shell(commands, o.commandTimeoutMs) };
  } finally {
    session.end();
  }
}

/** The connection to one device, opened again when the device closed it. */
class Login {
  private current: Connection | undefined;

  constructor(
    private readonly login: SshLogin,
    private readonly o: SshOptions,
  ) {}

  async connection(fresh = false): Promise<Connection> {
    if (fresh || !this.current?.alive) {
      this.current?.end();
      this.current = await connect(this.login, this.o);
    }
    return this.current;
  }

  end(): void {
    this.current?.end();
  }
}

/**
 * Each command over its own exec channel. IOS closes the whole connection once an exec command is done, so the next
 * one logs in again; a refusal on a connection that already ran a command may be that close arriving, and gets one
 * fresh connection before it counts as a refusal.
 */
async function execAll(login: Login, commands: readonly string[], timeoutMs: number): Promise<ShowOutput[]> {
  const outputs: ShowOutput[] = [];
  let conn = await login.connection();
  let used = false;
  for (const command of commands) {
    if (!conn.alive) [conn, used] = [await login.connection(), false];
    let output: string;
    try {
      output = await conn.exec(command, timeoutMs);
    } catch (err) {
      if (!(err instanceof ExecRefused) || !used) throw err;
      conn = await login.connection(true);
      output = await conn.exec(command, timeoutMs);
    }
    used = true;
    outputs.push({ command, output });
  }
  return outputs;
}

class ExecRefused extends Error {}

interface Connection {
  readonly alive: boolean;
  exec(command: string, timeoutMs: number): Promise<string>;
  shell(commands: CommandSet, timeoutMs: number): Promise<ShowOutput[]>;
  end(): void;
}

function connect(login: SshLogin, o: SshOptions): Promise<Connection> {
  const client = new Client();
  let verdict: HostKeyVerdict | undefined;
  let alive = false;
  const where = `${login.host}:${login.port}`;
  return new Promise((resolve, reject) => {
    const fail = (err: PollError) => {
      client.end();
      reject(err);
    };
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      // Cisco and Junos often offer only keyboard-interactive; its one prompt is the password.
      finish(prompts.map(() => login.password ?? ''));
    });
    client.once('ready', () => {
      alive = true;
      resolve(connection(client, where, () => alive));
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (alive) return; // a broken session shows as the 'close' that follows, where the running command fails
      if (verdict && !verdict.ok) fail(new PollError('host-key', verdict.message, false));
      else if (err.level === 'client-authentication') fail(new PollError('auth', `${where}: authentication failed for user ${JSON.stringify(login.username)}`, false));
      else if (err.level === 'client-timeout') fail(new PollError('timeout', `${where}: no SSH login within ${o.connectTimeoutMs} ms`, false));
      else fail(new PollError('connect', `${where}: ${err.code ?? describeSshError(err)}`, false));
    });
    client.on('end', () => (alive = false));
    client.once('close', () => {
      alive = false;
      reject(new PollError('closed', `${where}: the connection closed during login`, false));
    });
    try {
      client.connect({
        host: login.host,
        port: login.port,
        username: login.username,
        ...(login.password !== undefined && { password: login.password }),
        ...(login.privateKey !== undefined && { privateKey: login.privateKey }),
        ...(login.passphrase !== undefined && { passphrase: login.passphrase }),
        tryKeyboard: login.password !== undefined,
        readyTimeout: o.connectTimeoutMs,
        hostVerifier: (key: Buffer) => {
          verdict = o.verifyHostKey(key);
          return verdict.ok;
        },
        ...(login.legacyAlgorithms && { algorithms: LEGACY }),
      });
    } catch (err) {
      // ssh2 throws synchronously on an unreadable private key: say so without quoting it.
      fail(new PollError('auth', `${where}: the private key cannot be used (${/passphrase/i.test((err as Error).message) ? 'wrong or missing passphrase' : 'unsupported or malformed key'})`, false));
    }
  });
}

function describeSshError(err: Error): string {
  // ssh2's messages describe the protocol (no credentials); keep them short.
  return err.message.replace(/\s+/g, ' ').slice(0, 200);
}

function connection(client: Client, where: string, isAlive: () => boolean): Connection {
  return {
    get alive() {
      return isAlive();
    },
    exec(command, timeoutMs) {
      return new Promise((resolve, reject) => {
        client.exec(command, (err, stream) => {
          if (err) return reject(new ExecRefused(err.message));
          stream.on('error', () => {}); // the close that follows decides
          let exited = false;
          stream.once('exit', () => (exited = true));
          // A channel closed with an exit status, or on a connection still up, is a finished command; one that
          // closed because the connection dropped is not (the device may have been cut off mid-output).
          collect(stream, where, command, timeoutMs, { closeIsEnd: () => exited || isAlive() }).then(resolve, reject);
        });
      });
    },
    shell(commands, timeoutMs) {
      return new Promise((resolve, reject) => {
        // A wide terminal keeps long lines from wrapping; the pager is turned off by command.
        client.shell({ term: 'vt100', cols: 511, rows: 24 }, (err, stream) => {
          if (err) return reject(new PollError('refused', `${where}: the device refused an interactive shell (${err.message})`));
          stream.on('error', () => {}); // the close that follows decides
          runShell(stream, where, commands, timeoutMs).then(resolve, reject);
        });
      });
    },
    end() {
      client.end();
    },
  };
}

interface CollectOptions {
  /** The text so far is a complete answer (a shell's prompt came back). */
  complete?: (text: string) => boolean;
  /** Wait this long for more text after `complete` said yes. */
  settleMs?: number;
  /** The channel closing ends the output normally (exec), rather than cutting it off (shell). */
  closeIsEnd: () => boolean;
}

/**
 * One command's output from a channel: answers a pager with `q` (the text keeps the pager prompt, so the output
 * reads as truncated), caps the size, and fails on timeout or a dropped connection. Leaves the channel open for
 * the next command of a shell.
 */
function collect(stream: ClientChannel, where: string, command: string, timeoutMs: number, o: CollectOptions): Promise<string> {
  stream.setEncoding('utf8');
  stream.stderr.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let text = '';
    let bytes = 0;
    let settle: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      clearTimeout(settle);
      stream.off('data', onData);
      stream.stderr.off('data', onData);
      stream.off('close', onClose);
    };
    const finish = () => {
      stop();
      resolve(text);
    };
    const fail = (err: PollError) => {
      stop();
      stream.close();
      reject(err);
    };
    const onData = (s: string) => {
      bytes += Buffer.byteLength(s);
      if (bytes > MAX_OUTPUT_BYTES) return fail(new PollError('output', `${where}: "${command}" printed more than ${MAX_OUTPUT_BYTES >> 20} MiB`));
      text += s;
      if (PAGER.test(text.slice(-64))) stream.write('q');
      clearTimeout(settle);
      if (!o.complete?.(text)) return;
      if (o.settleMs) settle = setTimeout(finish, o.settleMs);
      else finish();
    };
    const onClose = () => (o.closeIsEnd() ? finish() : fail(new PollError('closed', `${where}: the connection closed during "${command}"`)));
    const timer = setTimeout(() => fail(new PollError('timeout', `${where}: no answer to "${command}" within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', onData);
    stream.stderr.on('data', onData);
    stream.on('close', onClose);
  });
}

/** The interactive half: learn the prompt, turn the pager off, then each show command up to the prompt again. */
async function runShell(stream: ClientChannel, where: string, commands: CommandSet, timeoutMs: number): Promise<ShowOutput[]> {
  const never = () => false;
  // Prompts are short: looking at the tail only keeps a hostile banner from costing more than its length.
  const promptIn = (t: string) => PROMPT.exec(t.slice(-256))?.[1];
  const banner = await collect(stream, where, '(waiting for the prompt)', timeoutMs, { complete: (t) => promptIn(t) !== undefined, settleMs: PROMPT_SETTLE_MS, closeIsEnd: never });
  const prompt = promptIn(banner)!;
  const outputs: ShowOutput[] = [];
  try {
    for (const command of [commands.paging, ...commands.show]) {
      stream.write(`${command}\n`);
      const raw = await collect(stream, where, command, timeoutMs, { complete: (t) => endsWithPrompt(t, prompt), closeIsEnd: never });
      // The paging command's own answer does not matter: a pager left on shows as --More-- in the outputs after it.
      if (command !== commands.paging) outputs.push({ command, output: stripEchoAndPrompt(raw, command, prompt) });
    }
    // Log out as a person would, and give the device a moment to close the session itself.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, LOGOUT_WAIT_MS);
      stream.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.end('exit\n');
    });
  } finally {
    stream.close();
  }
  return outputs;
}

function endsWithPrompt(text: string, prompt: string): boolean {
  const t = text.replace(/[ \r]+$/, '');
  return t.endsWith(prompt) && (t.length === prompt.length || /[\r\n]/.test(t[t.length - prompt.length - 1]!));
}

/** The lines between the echoed command and the prompt that follows the output. */
function stripEchoAndPrompt(raw: string, command: string, prompt: string): string {
  let text = raw.replace(/[ \r]+$/, '');
  text = text.slice(0, text.length - prompt.length);
  const firstBreak = text.indexOf('\n');
  const firstLine = firstBreak < 0 ? text : text.slice(0, firstBreak);
  if (firstLine.includes(command.slice(0, 20))) text = firstBreak < 0 ? '' : text.slice(firstBreak + 1);
  return text;
}
