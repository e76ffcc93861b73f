// The detector's early exit. Each rule is bucketed by the first one or two words of the command its condition
// requires (`monitor capture`, `no monitor`, `remote-span`) and keeps the literal prefixes to check. Most events that
// reach detection are ordinary config lines (`interface …`, `ip route …`, `monitor event-trace …`): for them this is
// two Map lookups and no rule runs.
import type { CommandPrefix, Rule } from './types.js';
import type { EventView } from './view.js';

interface Entry {
  readonly rule: Rule;
  /** Load order: candidates are returned in it, so detections come out in rule order. */
  readonly order: number;
  readonly prefixes: readonly CommandPrefix[] | null;
}

const NONE: readonly Entry[] = [];

/** The complete words a prefix pins: `monitor capture point ip` → monitor, capture, point (ip may be ipv6). */
function pinnedWords(p: CommandPrefix): string[] {
  const words = p.text.split(' ');
  return p.exact ? words : words.slice(0, -1);
}

function startsWithAny(cmd: string, prefixes: readonly CommandPrefix[]): boolean {
  for (let i = 0; i < prefixes.length; i++) if (cmd.startsWith(prefixes[i]!.text)) return true;
  return false;
}

function push(map: Map<string, Entry[]>, key: string, e: Entry): void {
  const list = map.get(key);
  if (!list) map.set(key, [e]);
  else if (list[list.length - 1] !== e) list.push(e);
}

export class RuleIndex {
  private readonly byOneWord = new Map<string, Entry[]>();
  private readonly byTwoWords = new Map<string, Entry[]>();
  /** Rules no first word can rule out: checked (prefixes first) for every event. */
  private readonly always: Entry[] = [];

  constructor(rules: readonly Rule[]) {
    rules.forEach((rule, order) => {
      const e: Entry = { rule, order, prefixes: rule.commandPrefixes };
      const words = rule.commandPrefixes?.map(pinnedWords) ?? [];
      // A rule lives at one depth only (the shallowest its prefixes allow), so it is never a candidate twice.
      const depth = words.length === 0 ? 0 : Math.min(2, ...words.map((w) => w.length));
      if (depth === 0) this.always.push(e);
      else for (const w of words) push(depth === 1 ? this.byOneWord : this.byTwoWords, w.slice(0, depth).join(' '), e);
    });
  }

  /** Puts the rules that may match the event into `out` (reused by the caller), in load order; returns how many. */
  select(view: EventView, out: Rule[]): number {
    const cmd = view.lower('command') ?? '';
    const sp1 = cmd.indexOf(' ');
    const one = this.byOneWord.get(sp1 < 0 ? cmd : cmd.slice(0, sp1)) ?? NONE;
    let two = NONE;
    if (sp1 >= 0) {
      const sp2 = cmd.indexOf(' ', sp1 + 1);
      two = this.byTwoWords.get(sp2 < 0 ? cmd : cmd.slice(0, sp2)) ?? NONE;
    }
    const all = this.always;
    let n = 0;
    let a = 0;
    let b = 0;
    let c = 0;
    // Three-way merge by load order of three short, ordered lists.
    while (a < one.length || b < two.length || c < all.length) {
      const ea = one[a];
      const eb = two[b];
      const ec = all[c];
      let e: Entry;
      if (ea && (!eb || ea.order < eb.order) && (!ec || ea.order < ec.order)) (e = ea), a++;
      else if (eb && (!ec || eb.order < ec.order)) (e = eb), b++;
      else (e = ec!), c++;
      if (e.prefixes === null || startsWithAny(cmd, e.prefixes)) out[n++] = e.rule;
    }
    return n;
  }
}
