// Clauses state facts ("every 15 minutes", "on weekdays", "at 9am"); this file collects them into
// one Draft and refuses a phrase whose facts disagree ("every monday on tuesdays"). Turning a
// Draft into a cron, an interval or a one-off is build-recurring.ts / build-once.ts.
import type { Period, Unit } from './lexicon.ts';
import { type Decline, decline } from './types.ts';

/** A time of day as written. `fixed`: the 24-hour reading is certain (13:00, 09:00, noon, 9pm). */
export interface ClockTime {
  h: number;
  m: number;
  s: number;
  mer: 'am' | 'pm' | null;
  fixed: boolean;
}

/**
 * A day named relative to now: today (0), tomorrow (1); "this friday" (the coming one), "friday of
 * this week" (Monday–Sunday, possibly gone), "this coming friday", "next friday" (of next week).
 */
export type DayRef = { kind: 'days'; days: number } | { kind: 'weekday'; dow: number; which: 'this' | 'thisWeek' | 'coming' | 'next' | 'upcoming' };

/** A relative amount of time: calendar parts, then elapsed seconds (hours, minutes, seconds). */
export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  seconds: number;
}

export type Dom =
  // `lone`: one day number said without "day", "every" or "of the month" ("on the 7th"), a one-off by itself.
  | { kind: 'days'; days: number[]; lone?: boolean }
  | { kind: 'range'; from: number; to: number }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'firstWeekday' };

export interface Every {
  n: number;
  unit: Unit;
  /** "hourly", "daily": fire on the unit's boundary rather than every n·unit from now. */
  aligned: boolean;
}

export interface NthWeekday {
  dow: number;
  nth: number | 'L';
}

export type Fact =
  | ({ f: 'every' } & Every)
  | { f: 'recur' }
  | { f: 'single' }
  | { f: 'times'; times: ClockTime[]; at?: boolean }
  | { f: 'minutes'; minutes: number[] }
  | { f: 'weekdays'; days: number[]; clear: boolean; on?: boolean }
  | { f: 'except'; days: number[] }
  | { f: 'nth'; items: NthWeekday[] }
  | { f: 'dom'; dom: Dom }
  | { f: 'months'; months: number[] }
  | { f: 'date'; month: number; day: number; year: number | null; alt?: { month: number; day: number } }
  | { f: 'window'; from: ClockTime; to: ClockTime }
  | { f: 'phase'; unit: 'second' | 'minute' | 'day'; value: number }
  | { f: 'startAt'; time: ClockTime }
  | { f: 'monthAnchor' }
  | { f: 'period'; period: Period }
  | { f: 'day'; ref: DayRef }
  | { f: 'offset'; dur: Duration }
  | { f: 'zone'; zone: string }
  | { f: 'year'; year: number }
  | { f: 'instant'; at: number };

export interface Draft {
  every: Every | null;
  /** "every"/"each" was said about a day, date or month: the phrase repeats. */
  recur: boolean;
  /** "once" was said without a frequency: a one-off. */
  single: boolean;
  times: ClockTime[];
  minutes: number[] | null;
  weekdays: number[] | null;
  /** The weekday words themselves say "repeatedly" ("mondays", "mon-fri"), unlike a lone "monday". */
  weekdaysClear: boolean;
  /** The weekday came after "on" ("on tues"): timetable style, read as weekly when nothing else says once. */
  weekdaysOn: boolean;
  /** A time came after "at" ("at 7pm"), as people say one-offs ("Fri at 7pm"). */
  timesAt: boolean;
  /** The weekday was said before any time ("friday 15:44"), the order of a timetable. */
  weekdayFirst: boolean;
  except: number[];
  nth: NthWeekday[] | null;
  dom: Dom | null;
  months: number[] | null;
  /** `alt`: the day-first reading of an unclear slash date such as 03/04. */
  date: { month: number; day: number; year: number | null; alt?: { month: number; day: number } } | null;
  windows: { from: ClockTime; to: ClockTime }[];
  phase: { unit: 'second' | 'minute' | 'day'; value: number } | null;
  startAt: ClockTime | null;
  monthAnchor: boolean;
  period: Period | null;
  /** "every morning and evening": parts of the day after the first, each standing for its time. */
  morePeriods: Period[];
  day: DayRef | null;
  offset: Duration | null;
  zone: string | null;
  /** "during 2013": a year the schedule is limited to. */
  year: number | null;
  /** An ISO instant with its offset, typed as is (epoch milliseconds). */
  instant: number | null;
}

const RANK: Readonly<Record<Unit, number>> = { second: 0, minute: 1, hour: 2, day: 3, week: 4, month: 5, quarter: 6, year: 7 };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A draft with nothing said yet. */
export function emptyDraft(): Draft {
  return {
    every: null, recur: false, single: false, times: [], minutes: null, weekdays: null, weekdaysClear: false, weekdaysOn: false, timesAt: false, weekdayFirst: false, except: [], nth: null,
    dom: null, months: null, date: null, windows: [], phase: null, startAt: null, monthAnchor: false,
    period: null, morePeriods: [], day: null, offset: null, zone: null, year: null, instant: null,
  };
}

/** Two frequencies in one phrase: compatible only when one refines the other. */
function mergeEvery(d: Draft, b: Every): Decline | null {
  const a = d.every;
  if (!a) {
    d.every = b;
    return null;
  }
  if (a.n === b.n && a.unit === b.unit) {
    d.every = { ...a, aligned: a.aligned || b.aligned };
    return null;
  }
  // "every 5 days every month": the month anchors the day step (days 1, 6, 11, … of each month).
  const [fine, coarse] = RANK[a.unit] <= RANK[b.unit] ? [a, b] : [b, a];
  if (fine.unit === 'day' && coarse.unit === 'month' && coarse.n === 1) {
    d.every = fine;
    d.monthAnchor = true;
    return null;
  }
  // "every 5 minutes … every day": a whole day adds nothing to a finer step.
  if (coarse.unit === 'day' && coarse.n === 1 && RANK[fine.unit] < RANK.day) {
    d.every = fine;
    return null;
  }
  return decline('contradictory', 'the phrase gives two different frequencies');
}

function setOnce<K extends keyof Draft>(d: Draft, key: K, value: Draft[K], what: string): Decline | null {
  if (d[key] !== null && !same(d[key], value)) return decline('contradictory', `the phrase names two different ${what}`);
  d[key] = value;
  return null;
}

/** Folds clause facts into one draft, or explains the contradiction. */
export function mergeFacts(facts: readonly Fact[]): Draft | Decline {
  const d = emptyDraft();
  for (const fact of facts) {
    let problem: Decline | null = null;
    switch (fact.f) {
      case 'every':
        problem = mergeEvery(d, { n: fact.n, unit: fact.unit, aligned: fact.aligned });
        break;
      case 'recur':
        d.recur = true;
        break;
      case 'single':
        d.single = true;
        break;
      case 'times':
        for (const t of fact.times) if (!d.times.some((x) => same(x, t))) d.times.push(t);
        d.timesAt ||= fact.at === true;
        break;
      case 'minutes':
        problem = setOnce(d, 'minutes', fact.minutes, 'minutes past the hour');
        break;
      case 'weekdays':
        problem = setOnce(d, 'weekdays', fact.days, 'sets of weekdays');
        d.weekdaysClear ||= fact.clear;
        d.weekdaysOn ||= fact.on === true;
        if (d.times.length === 0) d.weekdayFirst = true;
        break;
      case 'except':
        d.except = [...new Set([...d.except, ...fact.days])];
        break;
      case 'nth':
        problem = setOnce(d, 'nth', fact.items, 'weekdays of the month');
        break;
      case 'dom':
        problem = setOnce(d, 'dom', fact.dom, 'days of the month');
        break;
      case 'months':
        problem = setOnce(d, 'months', fact.months, 'sets of months');
        break;
      case 'date':
        problem = setOnce(d, 'date', { month: fact.month, day: fact.day, year: fact.year, ...(fact.alt ? { alt: fact.alt } : {}) }, 'dates');
        break;
      case 'window':
        d.windows.push({ from: fact.from, to: fact.to });
        break;
      case 'phase':
        problem = setOnce(d, 'phase', { unit: fact.unit, value: fact.value }, 'starting points');
        break;
      case 'startAt':
        problem = setOnce(d, 'startAt', fact.time, 'starting times');
        break;
      case 'monthAnchor':
        d.monthAnchor = true;
        break;
      case 'period':
        if (d.period !== null && d.period !== fact.period) {
          if (!d.morePeriods.includes(fact.period)) d.morePeriods.push(fact.period);
        } else d.period = fact.period;
        break;
      case 'day':
        problem = setOnce(d, 'day', fact.ref, 'days');
        break;
      case 'offset':
        problem = setOnce(d, 'offset', fact.dur, 'delays');
        break;
      case 'zone':
        problem = setOnce(d, 'zone', fact.zone, 'time zones');
        break;
      case 'year':
        problem = setOnce(d, 'year', fact.year, 'years');
        break;
      case 'instant':
        problem = setOnce(d, 'instant', fact.at, 'instants');
        break;
    }
    if (problem) return problem;
  }
  // "every morning and evening" names two times; "every morning and evening at 8" would name which?
  if (d.morePeriods.length && (d.times.length || d.windows.length || d.minutes)) return decline('contradictory', 'the phrase names two different parts of the day');
  return d;
}

/** Whether the draft says nothing besides the keys listed (compared by value). */
export function saysOnly(d: Draft, keys: readonly (keyof Draft)[]): boolean {
  const blank = emptyDraft();
  return (Object.keys(blank) as (keyof Draft)[]).every((k) => keys.includes(k) || same(d[k], blank[k]));
}
