// Google Chat space webhook: a cardsV2 card whose widget text is Chat's HTML subset (so it is HTML-escaped; `<users/all>`
// stays text). All messages of one incident share a thread (threadKey = incident id). A message holds 32,000 bytes.
import { escape } from '../escape.js';
import { summarize, summarizeDigest, type Summary } from '../content.js';
import type { DigestFormatter, Formatter, NotifyTarget, Rendered } from '../types.js';

const COMMANDS_BUDGET = 16_000;

function render(s: Summary, target: NotifyTarget): Rendered {
  const per = Math.floor(COMMANDS_BUDGET / Math.max(1, s.lines.length));
  const lines = s.lines.map((l) => `<b>${l.lead}</b> ${escape(l.text, 'html', per - 250)}${l.note ? `<br><i>${escape(l.note, 'html', 150)}</i>` : ''}`);
  if (s.more) lines.push(`…and ${s.more} more`);
  const heading = `${s.attack ? `${s.attack} ` : ''}${s.noun === 'incident' ? 'incident' : 'storm digest'}`;
  const card = {
    // Header and the plain `text` carry no attacker text: Chat does not escape-decode them the way it does widgets.
    header: { title: `${s.severity.toUpperCase()} ${heading}`, subtitle: s.change },
    sections: [
      { widgets: [{ textParagraph: { text: `<b>${escape(s.title, 'html', 500)}</b>` } }, ...s.facts.map((f) => ({ decoratedText: { topLabel: f.label, text: escape(f.value, 'html', 800), wrapText: true } }))] },
      ...(lines.length ? [{ header: s.noun === 'incident' ? 'Commands' : 'Samples', widgets: [{ textParagraph: { text: lines.join('<br>') } }] }] : []),
      ...(s.link ? [{ widgets: [{ buttonList: { buttons: [{ text: `Open ${s.noun} in capwatch`, onClick: { openLink: { url: s.link } } }] } }] }] : []),
    ],
  };
  const url = new URL(target.url);
  url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
  const body = { text: `${s.change}: ${s.severity} ${heading}`, cardsV2: [{ cardId: 'capwatch-incident', card }], thread: { threadKey: s.threadKey } };
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json; charset=UTF-8' }, url: url.toString() };
}

export const googlechat: Formatter = (input) => render(summarize(input), input.target);
export const googlechatDigest: DigestFormatter = (input) => render(summarizeDigest(input), input.target);
