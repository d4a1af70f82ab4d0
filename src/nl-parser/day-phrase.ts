// The day (or month) a phrase names, read by the schedule rules themselves: "Monday", "tomorrow",
// "March 3", "the 27th", "June", "the end of March". Conversational edits ("pause until Monday")
// and the bounds of a new schedule ("every day until June") both read their days here.
import { DateTime } from 'luxon';
import { nextFire } from '../scheduler/schedule.ts';
import { MONTHS, WEEKDAYS } from './lexicon.ts';
import { parseRules } from './rules.ts';

/**
 * The local day a phrase names ("Monday", "tomorrow", "March 3", "the 27th"), as the first instant
 * of that day; or a month ("March", "the end of March") as its first day. Null when it names
 * neither (or names a time as well: then it is not a day).
 */
export function readDay(phrase: string, zone: string, now: Date, locale?: string): { day: DateTime; month: boolean } | null {
  const local = DateTime.fromJSDate(now, { zone });
  const m = /^(?:the )?(?:end of )?([a-z]+)(?: (\d{4}))?$/.exec(phrase);
  const month = m ? MONTHS.get(m[1] as string) : undefined;
  if (m && month !== undefined) {
    let year = m[2] ? Number(m[2]) : local.year;
    // A month already past this year is next year's ("after March", said in December).
    if (!m[2] && month < local.month) year++;
    return { day: DateTime.fromObject({ year, month, day: 1 }, { zone }), month: true };
  }
  if (/\b(?:every|each|daily|weekly|monthly|yearly)\b|\d\s*(?:am|pm)\b|\d:\d/.test(phrase)) return null;
  // Noon: a day's middle exists in every zone on every date (midnight can fall in a DST gap).
  const r = parseRules(`${phrase} at 12:00`, { timezone: zone, now, ...(locale ? { locale } : {}) });
  if (!r.ok || r.task || r.schedule.kind === 'interval') return null;
  if (r.schedule.kind === 'cron') {
    // Only a single weekday or a single day of the month names one day ("monday", "the 27th").
    const f = r.schedule.cron.split(' ');
    const oneDay = f.length === 5 && f[3] === '*' && ((f[2] === '*' && /^\d$/.test(f[4] ?? '')) || (/^\d{1,2}$/.test(f[2] ?? '') && f[4] === '*'));
    if (!oneDay) return null;
  }
  const first = nextFire(r.schedule, now, { startAt: null, endAt: null });
  if (!first) return null;
  const day = DateTime.fromJSDate(first, { zone }).startOf('day');
  // "Until Monday" said on a Monday means the next one: today has begun.
  if (WEEKDAYS.has(phrase) && day.toMillis() <= now.getTime()) return { day: day.plus({ weeks: 1 }), month: false };
  return { day, month: false };
}

