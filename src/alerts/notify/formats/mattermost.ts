// Mattermost incoming webhook: Slack-compatible JSON, but `text` is Markdown, where `@channel` / `@all` are plain-text
// mentions and `&lt;` would show literally — so it takes the Markdown escaper, not Slack's. Posts hold 16383 chars.
import { escape } from '../escape.js';
import { summarize, summarizeDigest, type Summary } from '../content.js';
import type { DigestFormatter, Formatter, Rendered } from '../types.js';

const POST_MAX = 16_000;

function render(s: Summary): Rendered {
  const per = Math.floor((POST_MAX - 4000) / Math.max(1, s.lines.length));
  const lines = [
    `#### ${s.change}: ${escape(s.title, 'markdown', 400)}`,
    ...s.facts.map((f) => `**${f.label}:** ${escape(f.value, 'markdown', 400)}`),
    ...s.lines.map((l) => `- **${l.lead}** ${escape(l.text, 'markdown', per - 150)}${l.note ? ` — _${escape(l.note, 'markdown', 120)}_` : ''}`),
    ...(s.more ? [`- …and ${s.more} more`] : []),
    ...(s.link ? [`[Open ${s.noun} in capwatch](${s.link})`] : []),
  ];
  return { body: JSON.stringify({ username: 'capwatch', text: lines.join('\n') }), headers: { 'content-type': 'application/json' } };
}

export const mattermost: Formatter = (input) => render(summarize(input));
export const mattermostDigest: DigestFormatter = (input) => render(summarizeDigest(input));
