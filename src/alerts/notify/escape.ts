// Escaping attacker-controlled text (commands, user and device names) for each chat markup family.
// Every escaper works one code point at a time, so truncation can stop between escapes and never inside one.

/** Renders one code point of hostile text for a markup family. */
export type Escaper = (ch: string) => string;

// C0/C1 controls (newlines too: a newline in a command could forge a line of the message), bidi overrides and
// invisible characters (Trojan Source, hidden text) become visible \xNN / \u{NNNN} notation.
// eslint-disable-next-line no-control-regex
const CONTROL = /^[\u0000-\u001f\u007f-\u009f]$/;
const INVISIBLE = /^[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]$/;

function visible(ch: string): string | undefined {
  if (CONTROL.test(ch)) return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  if (INVISIBLE.test(ch)) return `\\u{${ch.charCodeAt(0).toString(16)}}`;
  return undefined;
}

function table(map: Record<string, string>): Escaper {
  return (ch) => visible(ch) ?? map[ch] ?? ch;
}

function backslashed(chars: string, extra: Record<string, string> = {}): Escaper {
  const map: Record<string, string> = { ...extra };
  for (const c of chars) map[c] ??= `\\${c}`;
  return table(map);
}

const ZWSP = '\u200b';

export const escapers = {
  /** Slack and Mattermost mrkdwn: with &, <, > encoded, `<!channel>`, `<@U…>` and `<url|text>` are plain text. */
  slack: table({ '&': '&amp;', '<': '&lt;', '>': '&gt;' }),
  /**
   * Markdown as Discord and Mattermost render it: formatting, masked links `[x](url)`, `<@id>` / `<#id>` / `<t:…>`
   * and `:emoji:` syntax are backslashed; `@` gets a zero-width space after it so `@everyone`, `@here`, `@channel`
   * and `@all` never read as mentions (Discord's allowed_mentions is empty as well, belt and braces).
   */
  markdown: backslashed('\\*_~`|>#[]()<', { '@': `@${ZWSP}` }),
  /** Adaptive Card TextBlock markdown (CommonMark subset) plus `{{DATE()}}` functions, which a doubled brace opens. */
  adaptive: backslashed('\\*_~`|>#[]()<', { '{': `{${ZWSP}` }),
  /** HTML, and Google Chat card text (an HTML subset, where `<users/all>` would mention everyone). */
  html: table({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }),
  /** Text with no markup at all (PagerDuty summary, JSON webhook): only controls and invisibles are shown. */
  plain: table({}),
} satisfies Record<string, Escaper>;

export type MarkupFamily = keyof typeof escapers;

/**
 * Escapes `text` for `family`, keeping the result within `max` UTF-16 units (ending in `…` when cut). The cut
 * falls between whole escapes and whole code points.
 */
export function escape(text: string, family: MarkupFamily, max = Number.POSITIVE_INFINITY): string {
  const esc = escapers[family];
  let out = '';
  let cutAt = -1; // the last piece boundary where an ellipsis still fits
  for (const ch of text) {
    const piece = esc(ch);
    if (cutAt < 0 && out.length + piece.length > max - 1) cutAt = out.length;
    if (out.length + piece.length > max) return max < 1 ? '' : `${out.slice(0, cutAt)}…`;
    out += piece;
  }
  return out;
}
