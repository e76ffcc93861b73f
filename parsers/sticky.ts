// Sticky (`y`) regexes match at one position only: the parsers read a line part by part with them, so no
// pattern ever scans the rest of a hostile line.

/** Runs a sticky regex at `pos`; its `lastIndex` is then the end of the match. */
export function matchAt(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}
