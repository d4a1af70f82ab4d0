// Parts of the day decide how a lone hour reads: "tonight at 8" is 20:00, "this afternoon at 3"
// is 15:00, "every morning at 8" is 08:00. A time that does not fit its part of the day
// ("tonight at 9am") is a contradiction, and "tonight at 12" is ambiguous: both are refused.
import type { ClockTime } from './facts.ts';
import { PERIODS, type Period } from './lexicon.ts';
import { type Clause, hit, isWord, wordAt } from './match.ts';
import { type Decline, decline } from './types.ts';

/** A resolved time of day; `nextDay` when "tonight at midnight" means the midnight that ends today. */
export interface DayTime {
  h: number;
  m: number;
  s: number;
  nextDay: boolean;
}

/** Hours [from, to) each part of the day covers, on the 24-hour clock. */
const SPAN: Readonly<Record<Period, readonly [number, number]>> = {
  morning: [4, 12],
  afternoon: [12, 19],
  evening: [16, 24],
  night: [18, 24],
};

/** Parts of the day said without a clock time, as to-do apps read them: "tomorrow evening" is 19:00. */
const PERIOD_TIMES: Readonly<Record<Period, number>> = { morning: 9, afternoon: 12, evening: 19, night: 22 };

/** The time of day a date with no time and no part of the day gets; the preview says so. */
export const DEFAULT_HOUR = 9;

const hhmm = (h: number) => `${String(h).padStart(2, '0')}:00`;

/**
 * The times as given, else the time a part of the day stands for, else the default time — with
 * a note for the preview, so a time the user did not type is one they see and confirm.
 */
export function timesOrDefault(times: DayTime[], period: Period | null, notes: string[], more: readonly Period[] = []): DayTime[] {
  if (times.length) return times;
  if (!period) {
    notes.push(`no time given: ${hhmm(DEFAULT_HOUR)}`);
    return [{ h: DEFAULT_HOUR, m: 0, s: 0, nextDay: false }];
  }
  const periods = [period, ...more];
  notes.push(periods.map((p) => `${p}: ${hhmm(PERIOD_TIMES[p])}`).join(', '));
  return periods.map((p) => ({ h: PERIOD_TIMES[p], m: 0, s: 0, nextDay: false })).sort((a, b) => a.h - b.h);
}

/** Reads `time` within `period` (if any). */
export function applyPeriod(time: ClockTime, period: Period | null): DayTime | Decline {
  if (!period) return { h: time.h, m: time.m, s: time.s, nextDay: false };
  let h = time.h;
  if (!time.fixed && !time.mer) {
    if (h === 12 && period !== 'afternoon') return decline('ambiguous', `12 ${period === 'morning' ? 'in the morning' : 'at night'} could be noon or midnight`);
    if (period !== 'morning' && h >= 1 && h <= 11) h += 12;
  }
  // "tonight at midnight" is the midnight at the end of today.
  if (period === 'night' && h === 0 && time.m === 0 && time.fixed && !time.mer) return { h: 0, m: 0, s: time.s, nextDay: true };
  // "every night at 2am", "tonight at 1:30am": the small hours belong to the night before.
  if (period === 'night' && h < 5 && (time.mer === 'am' || (time.fixed && h > 0) || (time.fixed && time.m > 0))) return { h, m: time.m, s: time.s, nextDay: true };
  const [from, to] = SPAN[period];
  if (h < from || h >= to) return decline('contradictory', `${String(h).padStart(2, '0')}:${String(time.m).padStart(2, '0')} is not in the ${period}`);
  return { h, m: time.m, s: time.s, nextDay: false };
}

/** Resolves every time, or the first problem. */
export function applyPeriodAll(times: readonly ClockTime[], period: Period | null): DayTime[] | Decline {
  const out: DayTime[] = [];
  for (const t of times) {
    const r = applyPeriod(t, period);
    if ('ok' in r) return r;
    out.push(r);
  }
  return out;
}

/** "in the morning", "at night", "mornings", "monday evening": a part of the day that reads the times. */
export const periodClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  if (w === 'in' && isWord(t, i + 1, 'the')) {
    const period = PERIODS.get(wordAt(t, i + 2));
    return period && period !== 'night' ? hit(i + 3, [{ f: 'period', period }]) : null;
  }
  if (w === 'at' && isWord(t, i + 1, 'night')) return hit(i + 2, [{ f: 'period', period: 'night' }]);
  const period = PERIODS.get(w);
  if (!period) return null;
  // "mornings", "evenings": the plural says the phrase repeats, like "mondays".
  return hit(i + 1, w.endsWith('s') ? [{ f: 'period', period }, { f: 'recur' }] : [{ f: 'period', period }], false);
};
