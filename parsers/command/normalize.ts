// One canonical command for every way a line reaches us: typed with abbreviations (EEM, transcripts), expanded by
// CFGLOG, accounted by TACACS+ with ` <cr>`, or as an NX-OS path element. Pure and synchronous.
import type { Platform } from '../types.js';
import {
  AMBIGUOUS,
  type GNode,
  MODE_TOPS,
  type Next,
  VIEW_ANY,
  VIEW_IOS,
  VIEW_NXOS,
} from './grammar.js';
import { bareInterfaceType, canonicalInterfaceToken, looksLikeInterface } from './interfaces.js';

export interface NormalizedCommand {
  /** Whitespace-normalised; keywords of the modelled commands expanded and lower-case; arguments as typed. */
  command: string;
  /** The line was typed as `do …` or `do-exec …` (an exec command run from configuration mode). */
  doPrefix: boolean;
  /**
   * The line ran `command` through another shell: `guestshell run dohost "…"` (IOS-XE and NX-OS Guest Shell hand
   * the quoted text to the host CLI). `command` is the inner command; this is the wrapper as typed.
   */
  wrapper?: string;
}

/** Any run of whitespace or C0 control characters separates tokens (a device never keeps them in a command). */
const SEPARATORS = /[\s\x00-\x1f\x7f]+/;
const NUMBER_LIST = /^\d[\d,-]*$/;
const NUMBER_LIST_PART = /^[\d,-]+$/;
/** Tokens inside an interface list that are not interfaces: `,`, `-`, `4`, `2-4`. */
const INTERFACE_LIST_PART = /^[\d,\-/.:]+$/;

/** Longer lines are not CLI input (IOS caps a line well below this): normalise whitespace only. */
const MAX_TOKENS = 256;
const MAX_CHARS = 4096;
/** Bound on grammar steps per line, whatever the input. */
const MAX_STEPS = 20_000;

export function normalizeCommand(text: string, platform?: Platform): NormalizedCommand {
  return normalize(text, platform, true);
}

function normalize(text: string, platform: Platform | undefined, unwrap: boolean): NormalizedCommand {
  const words = text.split(SEPARATORS);
  if (words[0] === '') words.shift();
  if (words[words.length - 1] === '') words.pop();
  // TACACS+ ends every command with ` <cr>`.
  while (words.length > 1 && words[words.length - 1] === '<cr>') words.pop();
  let start = 0;
  while (words.length - start > 1 && DO_WORDS.has((words[start] as string).toLowerCase())) start++;
  const doPrefix = start > 0;
  // One layer only: a wrapper inside a wrapper is left as typed (and costs one pass, however deep it nests).
  const inner = unwrap ? dohostCommand(words, start) : undefined;
  if (inner !== undefined) {
    const n = normalize(inner, platform, false);
    // Unwrapping twice would not be idempotent: `dohost "dohost …"` stays as typed.
    if (dohostCommand(n.command.split(' '), 0) === undefined) {
      return { command: n.command, doPrefix, wrapper: words.slice(start, start + DOHOST_WORDS).join(' ') };
    }
  }
  const typed = start > 0 ? words.slice(start) : words;
  const view = viewOf(platform);
  const joined = typed.join(' ');
  // The limit applies to the command, not to its padding: `mon` + 5,000 spaces + `cap` is still `monitor capture`.
  if (view < 0 || typed.length === 0 || typed.length > MAX_TOKENS || joined.length > MAX_CHARS) {
    return { command: joined, doPrefix };
  }
  return { command: expand(typed, view, platform === 'nxos') ?? joined, doPrefix };
}

/** `do show …` in any configuration mode; IOS-XE also has `do-exec`. */
const DO_WORDS: ReadonlySet<string> = new Set(['do', 'do-exec']);
/** `guestshell run dohost "CMD"`: Guest Shell's `dohost` runs CMD in the host CLI (NX-OS writes `run guestshell`). */
const DOHOST_WORDS = 3;

/** The host command inside `guestshell run dohost "…"` (also `run guestshell dohost`), quotes removed; else undefined. */
function dohostCommand(words: readonly string[], start: number): string | undefined {
  if (words.length - start <= DOHOST_WORDS) return undefined;
  const a = (words[start] as string).toLowerCase();
  const b = (words[start + 1] as string).toLowerCase();
  const guestshellRun = (a === 'guestshell' && b === 'run') || (a === 'run' && b === 'guestshell');
  if (!guestshellRun || (words[start + 2] as string).toLowerCase() !== 'dohost') return undefined;
  const text = words.slice(start + DOHOST_WORDS).join(' ');
  const quoted = text.length > 1 && (text[0] === '"' || text[0] === "'") && text.endsWith(text[0] as string);
  return quoted ? text.slice(1, -1) : text;
}

/** The keyword view for a platform; -1 for platforms whose CLI is not modelled (their lines stay as typed). */
function viewOf(platform: Platform | undefined): number {
  switch (platform) {
    case undefined:
      return VIEW_ANY;
    case 'ios':
    case 'iosxe':
      return VIEW_IOS;
    case 'nxos':
      return VIEW_NXOS;
    default:
      return -1;
  }
}

/** State of one expansion: the readings found so far across all modes. */
interface Walk {
  readonly words: readonly string[];
  readonly lower: readonly string[];
  readonly view: number;
  readonly nxos: boolean;
  readonly out: string[];
  result: string | undefined;
  conflict: boolean;
  steps: number;
}

/**
 * The expansion every mode's reading agrees on, or undefined (line outside the tree, ambiguous, or read differently
 * in two modes): then the caller keeps the line as typed.
 */
function expand(words: readonly string[], view: number, nxos: boolean): string | undefined {
  const w: Walk = {
    words,
    lower: words.map((x) => x.toLowerCase()),
    view,
    nxos,
    out: [],
    result: undefined,
    conflict: false,
    steps: 0,
  };
  for (const top of MODE_TOPS) {
    walk(w, top, 0);
    if (w.conflict) return undefined;
  }
  return w.result;
}

function emit(w: Walk): void {
  const s = w.out.join(' ');
  if (w.result === undefined) w.result = s;
  else if (w.result !== s) w.conflict = true;
}

function walk(w: Walk, node: Next, i: number): void {
  if (w.conflict) return;
  if (++w.steps > MAX_STEPS) {
    w.conflict = true;
    return;
  }
  const n = w.words.length;
  if (node === 'end') {
    if (i === n) emit(w);
    return;
  }
  if (node === 'rest') {
    const mark = w.out.length;
    for (let j = i; j < n; j++) w.out.push(w.words[j] as string);
    emit(w);
    w.out.length = mark;
    return;
  }
  if (i === n) {
    if (!node.needsMore) emit(w);
    return;
  }
  const hit = (node.lookup[w.view] as Map<string, string>).get(w.lower[i] as string);
  if (hit === AMBIGUOUS) {
    // The device would answer "% Ambiguous command": no reading through here, unless the token may be a name.
    if (node.alt) takeArgument(w, node, i);
    return;
  }
  if (hit !== undefined) {
    const next = node.kw.get(hit);
    // A real keyword this tree does not model: the line leaves the tree, so this reading says nothing.
    if (next === undefined) return;
    w.out.push(hit);
    walk(w, next, i + 1);
    w.out.pop();
    if (!node.alt) return;
  }
  if (node.arg !== undefined) takeArgument(w, node, i);
  else if (node.fallback !== undefined) walk(w, node.fallback, i);
}

function takeArgument(w: Walk, node: GNode, i: number): void {
  const mark = w.out.length;
  const j = consume(w, node, i);
  if (j > i) walk(w, node.next ?? 'end', j);
  else if (node.fallback !== undefined) walk(w, node.fallback, i);
  w.out.length = mark;
}

/** Pushes the argument at `i` (canonicalised where it is an interface) and returns the index after it; `i` if none. */
function consume(w: Walk, node: GNode, i: number): number {
  const words = w.words;
  const tok = words[i] as string;
  switch (node.arg) {
    case 'word':
      w.out.push(tok);
      return i + 1;
    case 'iface':
      return pushInterface(w, i);
    case 'ifaces': {
      let j = pushInterface(w, i);
      let more = false; // the last token was a `,` / `-` joiner: an interface may follow
      while (j < words.length) {
        const t = words[j] as string;
        if (INTERFACE_LIST_PART.test(t)) {
          w.out.push(t);
          more = t.endsWith(',') || t.endsWith('-');
          j++;
        } else if ((more || t.startsWith(',')) && (t.startsWith(',') || looksLikeInterface(t, w.nxos))) {
          j = pushInterface(w, j);
          more = false;
        } else break;
      }
      return j;
    }
    case 'list': {
      if (!NUMBER_LIST.test(tok)) return i;
      w.out.push(tok);
      let j = i + 1;
      while (j < words.length && NUMBER_LIST_PART.test(words[j] as string)) w.out.push(words[j++] as string);
      return j;
    }
    case 'quoted': {
      w.out.push(tok);
      let j = i + 1;
      if (!tok.startsWith('"') || (tok.length > 1 && tok.endsWith('"'))) return j;
      while (j < words.length) {
        const t = words[j++] as string;
        w.out.push(t);
        if (t.endsWith('"')) break;
      }
      return j;
    }
    default:
      return i;
  }
}

/** `Gi 1/0/1` (two tokens) or `gi1/0/1` → `GigabitEthernet1/0/1`; anything else as typed. */
function pushInterface(w: Walk, i: number): number {
  const tok = w.words[i] as string;
  const next = w.words[i + 1];
  const type = bareInterfaceType(tok, next, w.nxos);
  if (type !== undefined && next !== undefined) {
    w.out.push(type + canonicalInterfaceToken(next, w.nxos));
    return i + 2;
  }
  w.out.push(canonicalInterfaceToken(tok, w.nxos));
  return i + 1;
}
