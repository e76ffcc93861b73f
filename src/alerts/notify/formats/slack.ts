// Slack incoming webhook: Block Kit sections in mrkdwn, `verbatim` so URLs in command text are not turned into links.
// Limits: section text 3000 chars, field text 2000, 10 fields per section (a longer one is rejected with 400).
import { escape } from '../escape.js';
import { summarize, summarizeDigest, type Summary } from '../content.js';
import type { DigestFormatter, Formatter, Rendered } from '../types.js';

const json = { 'content-type': 'application/json' };
const SECTION_MAX = 3000;

function render(s: Summary): Rendered {
  const md = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
  const head = `*${s.change}* · ${escape(s.title, 'slack', 400)}`;
  const per = Math.floor((SECTION_MAX - 200) / Math.max(1, s.lines.length));
  const lines = s.lines.map((l) => `• *${l.lead}* ${escape(l.text, 'slack', per - 120)}${l.note ? `\n   _${escape(l.note, 'slack', 100)}_` : ''}`);
  if (s.more) lines.push(`…and ${s.more} more`);
  const blocks: unknown[] = [
    { type: 'section', text: md(head) },
    { type: 'section', fields: s.facts.map((f) => md(`*${f.label}*\n${escape(f.value, 'slack', 1900)}`)) },
    ...(lines.length ? [{ type: 'section', text: md(lines.join('\n')) }] : []),
    ...(s.link ? [{ type: 'context', elements: [md(`<${s.link}|Open ${s.noun} in capwatch>`)] }] : []),
  ];
  return { body: JSON.stringify({ text: `${s.change}: ${escape(s.title, 'slack', 400)}`, blocks }), headers: json };
}

export const slack: Formatter = (input) => render(summarize(input));
export const slackDigest: DigestFormatter = (input) => render(summarizeDigest(input));
