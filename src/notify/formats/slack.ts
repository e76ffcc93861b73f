// Slack incoming webhook: Block Kit sections in mrkdwn, `verbatim` so URLs in command text are not turned into links.
// Limits: section text 3000 chars, field text 2000, 10 fields per section (a longer one is rejected with 400).
import { escape } from '../escape.js';
import { commandPath, summarize } from '../content.js';
import type { Formatter } from '../types.js';

const json = { 'content-type': 'application/json' };
const SECTION_MAX = 3000;

export const slack: Formatter = (input) => {
  const s = summarize(input);
  const md = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });
  const head = `*${s.change}* · ${escape(s.title, 'slack', 400)}`;
  const per = Math.floor((SECTION_MAX - 200) / Math.max(1, s.commands.length));
  const lines = s.commands.map((d) => `• *${d.kind}* ${escape(commandPath(d), 'slack', per - 120)}\n   _${escape(d.why, 'slack', 100)}_`);
  if (s.more) lines.push(`…and ${s.more} more`);
  const blocks: unknown[] = [
    { type: 'section', text: md(head) },
    { type: 'section', fields: s.facts.map((f) => md(`*${f.label}*\n${escape(f.value, 'slack', 1900)}`)) },
    ...(lines.length ? [{ type: 'section', text: md(lines.join('\n')) }] : []),
    ...(s.link ? [{ type: 'context', elements: [md(`<${s.link}|Open incident in capwatch>`)] }] : []),
  ];
  return { body: JSON.stringify({ text: `${s.change}: ${escape(s.title, 'slack', 400)}`, blocks }), headers: json };
};
