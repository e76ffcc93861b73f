// `capwatch passwd`: a password hash for `http.auth.users`, typed twice at a prompt that shows nothing. From a pipe
// (scripts, provisioning) the first line of standard input is the password.
import { hashPassword } from '../api/auth/passwords.js';

const MIN_LENGTH = 10;

export async function passwdCommand(opts: { name?: string; role?: string }): Promise<number> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await readHidden('New password: ');
    const again = await readHidden('Again: ');
    if (password !== again) {
      process.stderr.write('capwatch: the two passwords differ\n');
      return 1;
    }
  } else {
    password = (await readAll()).split(/\r?\n/)[0] ?? '';
  }
  if (password.length < MIN_LENGTH) {
    process.stderr.write(`capwatch: a password needs at least ${MIN_LENGTH} characters\n`);
    return 1;
  }
  const hash = await hashPassword(password);
  if (opts.name !== undefined) {
    // Single quotes: a YAML plain scalar would read the `$` fine, but a shell heredoc or ${ENV} expansion might not.
    process.stdout.write(`- { name: ${opts.name}, role: ${opts.role ?? 'viewer'}, passwordHash: '${hash}' }\n`);
  } else {
    process.stdout.write(`${hash}\n`);
  }
  return 0;
}

/** One line from the terminal with echo off (raw mode), Backspace and Ctrl-C understood. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // Echo off before the prompt shows: someone typing at once must not see the password on screen.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.resume();
    stdin.setEncoding('utf8');
    let text = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readAll(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
