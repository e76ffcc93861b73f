// Named groups in rule regexes: capwatch runs JavaScript regexes, which write them `(?<name>…)` and `\k<name>`;
// Sigma tooling (pySigma, and the SIEM back-ends it converts for) reads Python/PCRE regexes, where `(?P<name>…)` and
// `(?P=name)` are the forms every engine accepts. Rules are loaded in either form and exported in the second.

type Form = 'js' | 'python';

const GROUP: Record<Form, RegExp> = { js: /^\(\?<([A-Za-z_]\w*)>/, python: /^\(\?P<([A-Za-z_]\w*)>/ };
const BACKREF: Record<Form, RegExp> = { js: /^\\k<([A-Za-z_]\w*)>/, python: /^\(\?P=([A-Za-z_]\w*)\)/ };
const WRITE: Record<Form, { group: (n: string) => string; backref: (n: string) => string }> = {
  js: { group: (n) => `(?<${n}>`, backref: (n) => `\\k<${n}>` },
  python: { group: (n) => `(?P<${n}>`, backref: (n) => `(?P=${n})` },
};

/** `source` with its named groups and back-references rewritten from one form to the other; escapes and character classes are left alone. */
function rewrite(source: string, from: Form, to: Form): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; ) {
    const rest = source.slice(i);
    const backref = BACKREF[from].exec(rest);
    if (backref && !inClass) {
      out += WRITE[to].backref(backref[1]!);
      i += backref[0].length;
      continue;
    }
    const c = source[i]!;
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i += 2;
      continue;
    }
    const group = inClass ? null : GROUP[from].exec(rest);
    if (group) {
      out += WRITE[to].group(group[1]!);
      i += group[0].length;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
    i++;
  }
  return out;
}

/** A rule regex as JavaScript runs it (a `(?P<name>…)` written for Sigma tooling is accepted). */
export const toJsRegex = (source: string): string => rewrite(source, 'python', 'js');

/** A rule regex as Sigma tooling reads it. */
export const toSigmaRegex = (source: string): string => rewrite(source, 'js', 'python');
