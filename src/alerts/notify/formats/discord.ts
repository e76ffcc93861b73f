// Discord webhook: one embed, no mentions allowed. `?wait=true` makes Discord return the message, whose id lets later
// updates edit it in place (PATCH …/messages/{id}). Limits: title 256, description 4096, field value 1024, 25 fields,
// 6000 characters per embed in all.
import { escape } from '../escape.js';
import { summarize, summarizeDigest, type Summary } from '../content.js';
import type { DigestFormatter, Formatter, NotifyTarget, Rendered } from '../types.js';
import type { Severity } from '../../../types.js';

const COLOR: Record<Severity, number> = { critical: 0x8b0000, high: 0xe01e1e, medium: 0xf2a900, low: 0x2f80ed, informational: 0x9e9e9e };
const DESCRIPTION_BUDGET = 3000;

function render(s: Summary, target: NotifyTarget, ref: string | undefined): Rendered {
  const per = Math.floor((DESCRIPTION_BUDGET - 100) / Math.max(1, s.lines.length));
  const lines = s.lines.map((l) => `• **${l.lead}** ${escape(l.text, 'markdown', per - 90)}${l.note ? ` — *${escape(l.note, 'markdown', 70)}*` : ''}`);
  if (s.more) lines.push(`…and ${s.more} more`);
  const embed = {
    title: escape(s.title, 'markdown', 256),
    ...(s.link && { url: s.link }),
    description: `**${s.change}**\n${lines.join('\n')}`,
    color: COLOR[s.severity],
    fields: s.facts.map((f) => ({ name: f.label, value: escape(f.value, 'markdown', 300), inline: f.label !== 'Confirmation' && f.label !== 'Why one message' })),
    timestamp: s.time.toISOString(),
    footer: { text: `capwatch${s.attack ? ` · MITRE ATT&CK ${s.attack}` : ''}` },
  };
  const body = JSON.stringify({ username: 'capwatch', allowed_mentions: { parse: [] }, embeds: [embed] });
  const headers = { 'content-type': 'application/json' };
  const url = new URL(target.url);
  if (ref) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/messages/${encodeURIComponent(ref)}`;
    return { body, headers, url: url.toString(), method: 'PATCH' };
  }
  url.searchParams.set('wait', 'true');
  return { body, headers, url: url.toString() };
}

export const discord: Formatter = (input) => render(summarize(input), input.target, input.ref);
export const discordDigest: DigestFormatter = (input) => render(summarizeDigest(input), input.target, undefined);
