// Plain English for an RRULE ("Every 2 weeks on Monday at 09:00"). It reads the explicit parts
// (rrule-parse.ts), so what it says is what the evaluator does; unusual combinations get an exact,
// if wordier, sentence rather than a guess.

import { joinAnd, ordinal } from './describe.ts';
import type { ByDay, Freq, RRuleParts } from './rrule-parse.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const NTH = ['', 'first', 'second', 'third', 'fourth', 'fifth'];
const UNIT: Record<Freq, string> = {
  SECONDLY: 'second',
  MINUTELY: 'minute',
  HOURLY: 'hour',
  DAILY: 'day',
  WEEKLY: 'week',
  MONTHLY: 'month',
  YEARLY: 'year',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** "first", "last", "second-to-last", "10th", "10th-to-last". */
function nthWord(n: number): string {
  if (n === -1) return 'last';
  const abs = Math.abs(n);
  const word = abs < NTH.length ? (NTH[abs] as string) : ordinal(abs);
  return n < 0 ? `${word}-to-last` : word;
}

/** Runs of consecutive numbers as "9 through 17". */
function ranges(values: number[], name: (n: number) => string): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    out.push(j - i >= 2 ? `${name(values[i] as number)} through ${name(values[j] as number)}` : j > i ? `${name(values[i] as number)} and ${name(values[j] as number)}` : name(values[i] as number));
    i = j + 1;
  }
  return joinAnd(out.flatMap((s) => s.split(' and ')));
}

function weekdays(days: ByDay[]): string {
  const plain = days.filter((d) => d.nth === 0).map((d) => (d.day + 6) % 7);
  const nth = days.filter((d) => d.nth !== 0);
  const parts: string[] = [];
  if (plain.length) parts.push(ranges([...plain].sort((a, b) => a - b), (i) => DAYS[(i + 1) % 7] as string));
  for (const d of nth) parts.push(`the ${nthWord(d.nth)} ${DAYS[d.day]}`);
  return joinAnd(parts);
}

function monthDays(days: number[]): string {
  const pos = days.filter((d) => d > 0);
  const neg = days.filter((d) => d < 0).sort((a, b) => b - a);
  const parts = pos.map(ordinal);
  for (const d of neg) parts.push(d === -1 ? 'last day' : `${nthWord(d)} day`);
  return `the ${joinAnd(parts)}`;
}

function times(p: RRuleParts): string {
  const hours = p.byHour ?? [];
  const minutes = p.byMinute ?? [0];
  const seconds = p.bySecond ?? [0];
  const showSeconds = seconds.some((s) => s !== 0);
  const count = hours.length * minutes.length * seconds.length;
  if (count <= 6) {
    const list: string[] = [];
    for (const h of hours) for (const m of minutes) for (const s of seconds) list.push(`${pad(h)}:${pad(m)}${showSeconds ? `:${pad(s)}` : ''}`);
    return `at ${joinAnd(list)}`;
  }
  const sec = showSeconds ? `, second ${joinAnd(seconds.map(String))}` : '';
  return `at minute ${joinAnd(minutes.map(String))}${sec} of hours ${ranges(hours, String)}`;
}

/** What fires within each period for the sub-daily frequencies. */
function subDaily(p: RRuleParts): string[] {
  const out: string[] = [];
  if (p.freq === 'HOURLY') {
    const m = p.byMinute ?? [0];
    const s = p.bySecond ?? [0];
    const showSeconds = s.some((x) => x !== 0);
    const marks: string[] = [];
    for (const mm of m) for (const ss of s) marks.push(`:${pad(mm)}${showSeconds ? `:${pad(ss)}` : ''}`);
    out.push(marks.length <= 6 ? `at ${joinAnd(marks)}` : `at minute ${joinAnd(m.map(String))}`);
  } else if (p.freq === 'MINUTELY') {
    if (p.byMinute) out.push(`at minute ${joinAnd(p.byMinute.map(String))}`);
    if (p.bySecond?.some((x) => x !== 0)) out.push(`at second ${joinAnd(p.bySecond.map(String))}`);
  } else {
    if (p.byMinute) out.push(`in minute ${joinAnd(p.byMinute.map(String))}`);
    if (p.bySecond) out.push(`at second ${joinAnd(p.bySecond.map(String))}`);
  }
  if (p.byHour) out.push(p.byHour.length === 1 ? `during the ${pad(p.byHour[0] as number)}:00 hour` : `during hours ${ranges(p.byHour, pad)}`);
  return out;
}

/** The plain-English description of explicit parts (times are the task zone's wall clock). */
export function describeRRule(p: RRuleParts): string {
  const unit = UNIT[p.freq];
  const pieces: string[] = [p.interval === 1 ? `Every ${unit}` : `Every ${p.interval} ${unit}s`];
  const yearly = p.freq === 'YEARLY';
  if (yearly && p.byMonth && p.byMonthDay && !p.byDay) {
    const dates = p.byMonth.flatMap((m) => (p.byMonthDay as number[]).map((d) => (d > 0 ? `${d} ${MONTHS[m - 1]}` : `the ${d === -1 ? 'last day' : `${nthWord(d)} day`} of ${MONTHS[m - 1]}`)));
    pieces.push(`on ${joinAnd(dates)}`);
  } else {
    if (p.byMonth) pieces.push(`in ${joinAnd(p.byMonth.map((m) => MONTHS[m - 1] as string))}`);
    if (p.byMonthDay && p.byDay) pieces.push(`on ${monthDays(p.byMonthDay)} when it is ${weekdays(p.byDay)}`);
    else if (p.byMonthDay) pieces.push(`on ${monthDays(p.byMonthDay)}`);
    else if (p.byDay) pieces.push(`on ${weekdays(p.byDay)}`);
  }
  if (p.bySetPos) {
    pieces.push(`(only the ${joinAnd(p.bySetPos.map(nthWord))} of those in each ${unit})`);
  }
  if (p.freq === 'DAILY' || p.freq === 'WEEKLY' || p.freq === 'MONTHLY' || yearly) pieces.push(times(p));
  else pieces.push(...subDaily(p));
  let text = pieces.join(' ');
  if (p.count !== null) text += `, ${p.count === 1 ? 'once' : `${p.count} times`}`;
  if (p.until !== null) {
    const u = new Date(p.until);
    text += `, until ${u.getUTCDate()} ${(MONTHS[u.getUTCMonth()] as string).slice(0, 3)} ${u.getUTCFullYear()} ${pad(u.getUTCHours())}:${pad(u.getUTCMinutes())}`;
  }
  return text;
}
