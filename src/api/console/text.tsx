// Attacker-controlled text (commands, names, log lines, comments) is only ever rendered through these
// components: as text nodes, never markup, with control characters and bidi/invisible format characters shown as
// escapes, inside <bdi> so that what is left cannot reorder the UI around it.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

// C0/C1 controls, ALM, zero-width and directional marks, line/paragraph separators, bidi embeddings/overrides,
// word joiner…isolates, BOM.
const SPECIAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Plain text with the special characters written as escapes (for titles, CSV-like one-liners). */
export function escapeText(s: string): string {
  return s.replace(SPECIAL, escapeChar);
}

function segments(s: string, multiline = false) {
  const out: (string | JSX.Element)[] = [];
  let last = 0;
  for (const m of s.matchAll(SPECIAL)) {
    const i = m.index;
    if (multiline && m[0] === '\n') continue;
    if (i > last) out.push(s.slice(last, i));
    out.push(<span class="esc">{escapeChar(m[0])}</span>);
    last = i + 1;
  }
  if (last < s.length) out.push(last === 0 ? s : s.slice(last));
  return out;
}

/** The first n UTF-16 units without splitting a surrogate pair. */
function head(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

const count = (n: number) => n.toLocaleString('en-US');

interface TextProps {
  value: string | null | undefined;
  /** Longer text shows its start and a "show all" toggle. */
  max?: number;
  class?: string;
  /** Keep line feeds as line breaks (comments); everywhere else they are shown as \n. */
  multiline?: boolean;
}

/** Untrusted text. */
export function Text({ value, max = 300, class: cls, multiline }: TextProps) {
  const [all, setAll] = useState(false);
  if (value === null || value === undefined || value === '') return <span class="none">—</span>;
  const long = value.length > max;
  return (
    <>
      <bdi class={cls}>{segments(long && !all ? head(value, max) : value, multiline)}</bdi>
      {long && (
        <button type="button" class="more" onClick={(e) => { e.stopPropagation(); setAll(!all); }}>
          {all ? 'show less' : `… show all (${count(value.length)} chars)`}
        </button>
      )}
    </>
  );
}

/** Untrusted text in a fixed-height cell: cut to `max` with an ellipsis and the full length, no toggle. */
export function Clip({ value, max = 300 }: { value: string | null | undefined; max?: number }) {
  if (value === null || value === undefined || value === '') return <span class="none">—</span>;
  if (value.length <= max) return <bdi>{segments(value)}</bdi>;
  return (
    <>
      <bdi>{segments(head(value, max))}</bdi>
      <span class="cut">… ({count(value.length)} chars)</span>
    </>
  );
}
