// Discord webhook: one embed, no mentions allowed. `?wait=true` makes Discord return the message, whose id lets later
// updates edit it in place (PATCH …/messages/{id}). Limits: title 256, description 4096, field value 1024, 25 fields,
// 6000 characters per embed in all.
import { escape } from '../escape.js';
import { commandPath, summarize } from '../content.js';
import type { Formatter } from '../types.js';
import type { Severity } from '../../types.js';

const COLOR: Record<Severity, number> = { critical: 0x8b0000, high: 0xe01e1e, medium: 0xf2a900, low: 0x2f80ed, informational: 0x9e9e9e };
const DESCRIPTION_BUDGET = 3000;

export const discord: Formatter = (input) => {
  const s = summarize(input);
  const per = Math.floor((DESCRIPTION_BUDGET - 100) / Math.max(1, s.commands.length));
  const lines = s.commands.map((d) => `• **${d.kind}** ${escape(commandPath(d), 'markdown', per - 90)} — *${escape(d.why, 'markdown', 70)}*`);
  if (s.more) lines.push(`…and ${s.more} more`);
  const embed = {
    title: escape(s.title, 'markdown', 256),
    ...(s.link && { url: s.link }),
    description: `**${s.change}**\n${lines.join('\n')}`,
    color: COLOR[input.incident.severity],
    fields: s.facts.map((f) => ({ name: f.label, value: escape(f.value, 'markdown', 300), inline: f.label !== 'Confirmation' })),
    timestamp: input.incident.lastSeen.toISOString(),
    footer: { text: 'capwatch · MITRE ATT&CK T1040' },
  };
  const body = JSON.stringify({ username: 'capwatch', allowed_mentions: { parse: [] }, embeds: [embed] });
  const headers = { 'content-type': 'application/json' };
  const url = new URL(input.target.url);
  if (input.ref) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/messages/${encodeURIComponent(input.ref)}`;
    return { body, headers, url: url.toString(), method: 'PATCH' };
  }
  url.searchParams.set('wait', 'true');
  return { body, headers, url: url.toString() };
};
