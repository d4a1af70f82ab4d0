// Cron pasted as text: "0 9 * * 1-5", "cron: */5 * * * *", "@daily", "@every 15m", optionally
// followed by an instruction ("0 9 * * 1-5 summarize HN"). Five fields, or six with seconds
// first (croner syntax). Without a "cron" prefix at least one field must hold "*" or "?", so a
// run of plain numbers ("1 2 3 4 5") is left to the grammar.
import { normalizeCron, parseEvery } from '../scheduler/schedule.ts';

const PREFIX = /^\s*cron\s*[:=]?\s*/i;
const FIELD = /^(?:[\d*?LW#,/-]|MON|TUE|WED|THU|FRI|SAT|SUN|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/i;
const NICKNAMES: ReadonlySet<string> = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

export type RawCron =
  | { kind: 'cron'; cron: string; restStart: number }
  | { kind: 'interval'; seconds: number; restStart: number }
  | { kind: 'invalid'; reason: string };

/** Up to `n` whitespace-separated words from `from`, with where each ends. */
function firstWords(text: string, from: number, n: number): { text: string; end: number }[] {
  const out: { text: string; end: number }[] = [];
  let i = from;
  while (out.length < n && i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    const start = i;
    while (i < text.length && !/\s/.test(text[i] as string)) i++;
    if (i > start) out.push({ text: text.slice(start, i), end: i });
  }
  return out;
}

/** A cron expression at the start of `text`, and where the rest (an instruction) begins. */
export function readRawCron(text: string): RawCron | null {
  const prefix = PREFIX.exec(text);
  const from = prefix ? prefix[0].length : 0;
  const words = firstWords(text, from, 7);
  const first = words[0];
  if (!first) return prefix ? { kind: 'invalid', reason: 'the cron expression is missing' } : null;
  if (first.text.startsWith('@')) {
    const nick = first.text.toLowerCase();
    if (NICKNAMES.has(nick)) return { kind: 'cron', cron: normalizeCron(nick), restStart: first.end };
    if (nick === '@every' && words[1]) {
      const every = parseEvery(words[1].text);
      if (!every.ok) return { kind: 'invalid', reason: `@every ${every.error}` };
      return { kind: 'interval', seconds: every.value, restStart: words[1].end };
    }
    return prefix || nick === '@reboot' ? { kind: 'invalid', reason: `${first.text} is not a schedule` } : null;
  }
  let fields = 0;
  while (fields < 6 && words[fields] && FIELD.test(words[fields]?.text ?? '')) fields++;
  const wild = words.slice(0, fields).some((w) => /[*?]/.test(w.text));
  if (fields < 5 || (!prefix && !wild)) return prefix ? { kind: 'invalid', reason: 'a cron expression has 5 fields (or 6 with seconds first)' } : null;
  // Six fields only when all six look like fields; a fifth-field-then-word text is five fields.
  const n = fields === 6 ? 6 : 5;
  if (n === 6 && words[6] && FIELD.test(words[6].text)) return { kind: 'invalid', reason: 'a year field (Quartz) cannot be part of one cron' };
  // Quartz writes "?" and counts weekdays 1 = Sunday; croner counts 0 = Sunday. A number there is a guess.
  const dow = words[n - 1]?.text ?? '';
  if (words.slice(0, n).some((w) => w.text === '?') && /\d/.test(dow)) {
    return { kind: 'invalid', reason: 'with "?" this looks like Quartz cron, which numbers weekdays differently; use names such as MON-FRI' };
  }
  const last = words[n - 1] as { end: number };
  return { kind: 'cron', cron: words.slice(0, n).map((w) => w.text).join(' '), restStart: last.end };
}
