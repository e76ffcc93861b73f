// Microsoft Teams through a Workflows (Power Automate) webhook: a message carrying one Adaptive Card (1.4).
// Teams rejects cards over about 28 KB, so each listed item gets a share of a 20 KB budget.
import { escape } from '../escape.js';
import { summarize, summarizeDigest, type Summary } from '../content.js';
import type { DigestFormatter, Formatter, Rendered } from '../types.js';
import type { Severity } from '../../../types.js';

const COLOR: Record<Severity, string> = { critical: 'attention', high: 'attention', medium: 'warning', low: 'accent', informational: 'default' };
const COMMANDS_BUDGET = 20_000;

function render(s: Summary): Rendered {
  const per = Math.floor(COMMANDS_BUDGET / Math.max(1, s.lines.length));
  const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: t, wrap: true, ...extra });
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      text(s.change, { weight: 'Bolder', color: COLOR[s.severity] }),
      text(escape(s.title, 'adaptive', 400), { size: 'Medium', weight: 'Bolder' }),
      { type: 'FactSet', facts: s.facts.map((f) => ({ title: f.label, value: escape(f.value, 'adaptive', 600) })) },
      ...s.lines.map((l) =>
        text(`**${l.lead}** ${escape(l.text, 'adaptive', per - 300)}${l.note ? ` — ${escape(l.note, 'adaptive', 200)}` : ''}`, { fontType: 'Monospace', spacing: 'Small' }),
      ),
      ...(s.more ? [text(`…and ${s.more} more`, { isSubtle: true })] : []),
    ],
    ...(s.link && { actions: [{ type: 'Action.OpenUrl', title: `Open ${s.noun} in capwatch`, url: s.link }] }),
  };
  const body = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

export const teams: Formatter = (input) => render(summarize(input));
export const teamsDigest: DigestFormatter = (input) => render(summarizeDigest(input));
