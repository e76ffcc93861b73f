// Google Chat space webhook: a cardsV2 card whose widget text is Chat's HTML subset (so it is HTML-escaped; `<users/all>`
// stays text). All messages of one incident share a thread (threadKey = incident id). A message holds 32,000 bytes.
import { escape } from '../escape.js';
import { commandPath, summarize } from '../content.js';
import type { Formatter } from '../types.js';

const COMMANDS_BUDGET = 16_000;

export const googlechat: Formatter = (input) => {
  const s = summarize(input);
  const i = input.incident;
  const per = Math.floor(COMMANDS_BUDGET / Math.max(1, s.commands.length));
  const commands = s.commands.map((d) => `<b>${d.kind}</b> ${escape(commandPath(d), 'html', per - 250)}<br><i>${escape(d.why, 'html', 150)}</i>`);
  if (s.more) commands.push(`…and ${s.more} more`);
  const card = {
    // Header and the plain `text` carry no attacker text: Chat does not escape-decode them the way it does widgets.
    header: { title: `${i.severity.toUpperCase()} T1040 incident`, subtitle: s.change },
    sections: [
      { widgets: [{ textParagraph: { text: `<b>${escape(s.title, 'html', 500)}</b>` } }, ...s.facts.map((f) => ({ decoratedText: { topLabel: f.label, text: escape(f.value, 'html', 800), wrapText: true } }))] },
      ...(commands.length ? [{ header: 'Commands', widgets: [{ textParagraph: { text: commands.join('<br>') } }] }] : []),
      ...(s.link ? [{ widgets: [{ buttonList: { buttons: [{ text: 'Open incident in capwatch', onClick: { openLink: { url: s.link } } }] } }] }] : []),
    ],
  };
  const url = new URL(input.target.url);
  url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
  const body = { text: `${s.change}: ${i.severity} T1040 incident`, cardsV2: [{ cardId: 'capwatch-incident', card }], thread: { threadKey: i.id } };
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json; charset=UTF-8' }, url: url.toString() };
};
