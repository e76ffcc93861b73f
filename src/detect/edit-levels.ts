// Junos logs each configuration line as typed, relative to the session's `edit` level: after
// `edit forwarding-options port-mirroring`, `set family inet output interface ge-0/0/3.0` configures
// `forwarding-options port-mirroring family inet output …`. This keeps each session's level and gives the statement
// as if typed at the top, so rules see one form whatever the level it was typed at.
//
// `up` leaves what the last `edit` entered (Junos climbs one container; without the schema, one `edit` is the best
// guess at a container), `up N` that many, `top` and `exit` at the top level as Junos does.

/** Statements that take a configuration path after them. */
const PATH_VERBS: ReadonlySet<string> = new Set(['set', 'delete', 'deactivate', 'activate', 'edit']);
/** Op-mode words that enter configuration mode (`edit` alone does too). */
const CONFIGURE: ReadonlySet<string> = new Set(['configure', 'edit']);

interface Level {
  inConfig: boolean;
  /** The words each `edit` added, outermost first. */
  path: string[][];
}

export class EditLevels {
  private readonly sessions = new Map<string, Level>();

  constructor(private readonly maxSessions = 10_000) {}

  /** The statement `command` makes at the top level; the session's level moves past it. */
  absolute(key: string, command: string): string {
    const words = command.split(' ');
    const verb = words[0] ?? '';
    const s = this.sessions.get(key);
    if (!s?.inConfig) {
      if (CONFIGURE.has(verb) && (words.length === 1 || verb === 'configure')) this.set(key, { inConfig: true, path: [] });
      return command;
    }
    if (verb === 'top') {
      // `top set …` runs one statement from the top; `top edit …` moves there.
      if (words[1] === 'edit' || words.length === 1) s.path = words.length > 2 ? [words.slice(2)] : [];
      return words.length === 1 ? command : words.slice(1).join(' ');
    }
    if (verb === 'up') {
      const n = words.length > 1 && /^\d{1,3}$/.test(words[1]!) ? Number(words[1]) : 1;
      s.path = s.path.slice(0, Math.max(0, s.path.length - n));
      return command;
    }
    if (verb === 'exit' || verb === 'quit') {
      if (words[1] === 'configuration-mode' || verb === 'quit' || s.path.length === 0) this.sessions.delete(key);
      else s.path = s.path.slice(0, -1);
      return command;
    }
    if (verb === 'commit' && words.includes('and-quit')) {
      this.sessions.delete(key);
      return command;
    }
    if (!PATH_VERBS.has(verb) || words.length < 2) return command;
    const here = s.path.flat();
    if (verb === 'edit') {
      s.path = [...s.path, words.slice(1)];
      return command;
    }
    return here.length === 0 ? command : [verb, ...here, ...words.slice(1)].join(' ');
  }

  /** The session closed or left configuration mode. */
  end(key: string): void {
    this.sessions.delete(key);
  }

  private set(key: string, s: Level): void {
    this.sessions.delete(key);
    this.sessions.set(key, s);
    if (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value as string);
  }
}
