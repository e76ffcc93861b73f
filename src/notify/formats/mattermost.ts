// Mattermost incoming webhook: Slack-compatible JSON, but `text` is Markdown, where `@channel` / `@all` are plain-text
// mentions and `&lt;` would show literally — so it takes the Markdown escaper, not Slack's. Posts hold 16383 chars.
import { escape } from '../escape.js';
import { commandPath, summarize } from '../content.js';
import type { Formatter } from '../types.js';

const POST_MAX = 16_000;

export const mattermost: Formatter = (input) => {
  const s = summarize(input);
  const per = Math.floor((POST_MAX - 4000) / Math.max(1, s.commands.length));
  const lines = [
    `#### ${s.change}: ${escape(s.title, 'markdown', 400)}`,
    ...s.facts.map((f) => `**${f.label}:** ${escape(f.value, 'markdown', 400)}`),
    ...s.commands.map((d) => `- **${d.kind}** ${escape(commandPath(d), 'markdown', per - 150)} — _${escape(d.why, 'markdown', 120)}_`),
    ...(s.more ? [`- …and ${s.more} more`] : []),
    ...(s.link ? [`[Open incident in capwatch](${s.link})`] : []),
  ];
  return { body: JSON.stringify({ username: 'capwatch', text: lines.join('\n') }), headers: { 'content-type': 'application/json' } };
};
