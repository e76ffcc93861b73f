// Sigma `condition` parsing: and / or / not / parentheses / `1 of sel*` / `all of them`.
// Precedence as in Sigma: not > and > or. Errors are thrown as plain Errors whose message is the reason.

export type CondNode =
  | { op: 'sel'; name: string }
  | { op: 'not'; arg: CondNode }
  | { op: 'and' | 'or'; args: CondNode[] }
  | { op: 'of'; all: boolean; names: string[] };

const TOKEN = /\s*(\(|\)|[^\s()]+)/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text)) !== null) out.push(m[1]!);
  if (text.includes('|')) throw new Error('condition aggregations (`| count()` …) are not supported');
  return out;
}

/**
 * Does `name` match the Sigma pattern (`*` = any run)? A two-pointer scan that resumes after the last `*`, at most
 * length × length steps: the regex it replaces backtracked exponentially (`1 of a*a*a*…c` hung the process).
 */
function globMatch(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === name[n]) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++resume;
    } else return false;
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** Parentheses and `not`s nest at most this deep: far beyond any rule, and well within the stack. */
const MAX_DEPTH = 100;

export function parseCondition(text: string, selections: readonly string[]): CondNode {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new Error('condition is empty');
  let i = 0;
  let depth = 0;
  const peek = (): string | undefined => tokens[i]?.toLowerCase();
  const deeper = (): void => {
    if (++depth > MAX_DEPTH) throw new Error(`condition nests deeper than ${MAX_DEPTH} levels`);
  };

  const expr = (): CondNode => {
    const args = [term()];
    while (peek() === 'or') {
      i++;
      args.push(term());
    }
    return args.length === 1 ? args[0]! : { op: 'or', args };
  };
  const term = (): CondNode => {
    const args = [factor()];
    while (peek() === 'and') {
      i++;
      args.push(factor());
    }
    return args.length === 1 ? args[0]! : { op: 'and', args };
  };
  const factor = (): CondNode => {
    const tok = tokens[i];
    const low = tok?.toLowerCase();
    if (tok === undefined) throw new Error('condition ends too early');
    if (low === 'not') {
      i++;
      deeper();
      const arg = factor();
      depth--;
      return { op: 'not', arg };
    }
    if (tok === '(') {
      i++;
      deeper();
      const inner = expr();
      depth--;
      if (tokens[i] !== ')') throw new Error(`condition: expected ')' at token ${i + 1}`);
      i++;
      return inner;
    }
    if ((low === '1' || low === 'all') && tokens[i + 1]?.toLowerCase() === 'of') {
      const target = tokens[i + 2];
      if (target === undefined) throw new Error(`condition: '${tok} of' needs a selection pattern or 'them'`);
      i += 3;
      const names =
        target.toLowerCase() === 'them'
          ? selections.filter((s) => !s.startsWith('_'))
          : selections.filter((s) => globMatch(target, s));
      if (names.length === 0) throw new Error(`condition: '${tok} of ${target}' matches no selection`);
      return { op: 'of', all: low === 'all', names };
    }
    if (tok === ')' || low === 'and' || low === 'or' || low === 'of') throw new Error(`condition: unexpected '${tok}' at token ${i + 1}`);
    if (!selections.includes(tok)) throw new Error(`condition names unknown selection '${tok}'`);
    i++;
    return { op: 'sel', name: tok };
  };

  const root = expr();
  if (i < tokens.length) throw new Error(`condition: unexpected '${tokens[i]}' at token ${i + 1}`);
  return root;
}

/** Selections whose match counts positively (an even number of `not`s above them): these provide facts. */
export function positiveSelections(node: CondNode, negated = false, out = new Set<string>()): Set<string> {
  switch (node.op) {
    case 'sel':
      if (!negated) out.add(node.name);
      break;
    case 'not':
      positiveSelections(node.arg, !negated, out);
      break;
    case 'and':
    case 'or':
      for (const a of node.args) positiveSelections(a, negated, out);
      break;
    case 'of':
      if (!negated) for (const n of node.names) out.add(n);
      break;
  }
  return out;
}
