// Microsoft Teams through a Workflows (Power Automate) webhook: a message carrying one Adaptive Card (1.4).
// Teams rejects cards over about 28 KB, so each command gets a share of a 20 KB budget.
import { escape } from '../escape.js';
import { commandPath, summarize } from '../content.js';
import type { Formatter } from '../types.js';
import type { Severity } from '../../types.js';

const COLOR: Record<Severity, string> = { critical: 'attention', high: 'attention', medium: 'warning', low: 'accent', informational: 'default' };
const COMMANDS_BUDGET = 20_000;

export const teams: Formatter = (input) => {
  const s = summarize(input);
  const per = Math.floor(COMMANDS_BUDGET / Math.max(1, s.commands.length));
  const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: t, wrap: true, ...extra });
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      text(s.change, { weight: 'Bolder', color: COLOR[input.incident.severity] }),
      text(escape(s.title, 'adaptive', 400), { size: 'Medium', weight: 'Bolder' }),
      { type: 'FactSet', facts: s.facts.map((f) => ({ title: f.label, value: escape(f.value, 'adaptive', 600) })) },
      ...s.commands.map((d) => text(`**${d.kind}** ${escape(commandPath(d), 'adaptive', per - 300)} — ${escape(d.why, 'adaptive', 200)}`, { fontType: 'Monospace', spacing: 'Small' })),
      ...(s.more ? [text(`…and ${s.more} more`, { isSubtle: true })] : []),
    ],
    ...(s.link && { actions: [{ type: 'Action.OpenUrl', title: 'Open incident in capwatch', url: s.link }] }),
  };
  const body = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
};
