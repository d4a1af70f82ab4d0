/**
 * The compiled form of a cron expression and the building blocks both parsers (the plain fast
 * path and the general croner-compatible one) use to fill it, with croner's value checks.
 */

/**
 * A compiled cron: plain data (~260 bytes), safe to cache by the thousand. Bit i of a mask means
 * value i (seconds, minutes, hours) or i + 1 (days of month, months). Masks stay below 2^30 where
 * possible so V8 keeps them as small integers.
 */
export interface CompiledCron {
  /** Seconds 0–29 and 30–59. */
  readonly secLo: number;
  readonly secHi: number;
  /** Minutes 0–29 and 30–59. */
  readonly minLo: number;
  readonly minHi: number;
  readonly hours: number;
  /** Days of month 1–31 named explicitly (bit d − 1). */
  readonly days: number;
  /** Days of month given as `nW` (fires on the weekday nearest the nth). */
  readonly nearest: number;
  /** `L` in day-of-month. */
  readonly lastDay: boolean;
  /** `LW` in day-of-month. */
  readonly lastWeekday: boolean;
  readonly months: number;
  /**
   * Per weekday (0 = Sunday): which occurrences in the month match. Bits 0–4 are the 1st–5th
   * (`n#k`), bit 5 the last (`nL`, `n#L`); 63 is "any".
   */
  readonly weekdays: readonly number[];
  /** Day-of-month was `*` (croner then requires the weekday to match as well). */
  readonly starDom: boolean;
  /** Day-of-week was `*` (the weekday is ignored). */
  readonly starDow: boolean;
  /** Day-of-week began with `+`: both day fields must match. */
  readonly andDow: boolean;
  /** Allowed years as (from, to, step) triples, or null for `*` (croner then searches ≤ 400 years ahead, before 3000). */
  readonly years: readonly number[] | null;
  /**
   * One second, minute and hour, none written with `*` or `/` (croner's `fixedTimeRule:
   * "single-value"`). Such a time fires once in a repeated hour (the first pass) and, when skipped
   * by a spring-forward gap, at the first instant after the gap. Others fire in both passes and
   * skip gap times.
   */
  readonly fixedTime: boolean;
}

export const SEC = 0;
export const MIN = 1;
export const HOUR = 2;
export const DOM = 3;
export const MONTH = 4;
export const DOW = 5;
export const YEAR = 6;
/** Nearest-weekday days (`nW`) share day-of-month's syntax but land in their own mask. */
export const NEAREST = 7;

export const LABEL = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week', 'year', 'day-of-month'];
/** croner's table sizes: a step may not exceed them. */
export const SIZE = [60, 60, 24, 31, 12, 7, 10000];
/** Value written → table index: days of month and months count from 1. */
export const SHIFT = [0, 0, 0, -1, -1, 0, 0, -1];
/** Largest table index per field (weekday 7 is folded onto 0 before the check). */
const MAX_INDEX = [59, 59, 23, 30, 11, 6, 9999, 30];
/** `*` as masks (bits 0–29 and 30–59) for second, minute, hour, day-of-month, month. */
export const FULL_LO = [0x3fffffff, 0x3fffffff, 0xffffff, 0x3fffffff, 0xfff];
export const FULL_HI = [0x3fffffff, 0x3fffffff, 0, 1, 0];

/** Mutable masks while parsing; frozen into a CompiledCron at the end. */
export interface Acc {
  lo: number[];
  hi: number[];
  weekdays: number[];
  years: number[];
  lastDay: boolean;
  lastWeekday: boolean;
}

export function fail(message: string): never {
  throw new Error(message);
}

/** Marks one table index; `nth` is a weekday's occurrence ("1"–"5", "L") when given with `#` or `L`. */
export function setIndex(acc: Acc, field: number, index: number, nth: string | undefined): void {
  if (field === DOW) {
    const day = index === 7 ? 0 : index;
    if (!(day >= 0 && day <= 6)) fail(`Invalid value for day-of-week: ${index}`);
    let bits = 63;
    if (nth !== undefined) {
      const k = Number(nth);
      if (nth.toUpperCase() === 'L') bits = 32;
      else if (k > 0 && k < 6) bits = 1 << (k - 1);
      else fail(`nth weekday must be 1-5 or L, got "${nth}"`);
    }
    acc.weekdays[day] = (acc.weekdays[day] as number) | bits;
    return;
  }
  if (!(index >= 0 && index <= (MAX_INDEX[field] as number))) {
    fail(`Invalid value for ${LABEL[field]}: ${index - (SHIFT[field] as number)}`);
  }
  if (index < 30) acc.lo[field] = (acc.lo[field] as number) | (1 << index);
  else acc.hi[field] = (acc.hi[field] as number) | (1 << (index - 30));
}

/** Years are kept as (from, to, step) rather than 10,000 flags, after croner's per-value checks. */
function addYears(acc: Acc, from: number, to: number, step: number): void {
  if (from > to) return;
  if (!(from >= 1 && from <= 9999)) fail(`Invalid value for year: ${from} (supported range: 1-9999)`);
  const last = from + Math.floor((to - from) / step) * step;
  if (last > 9999) fail(`Invalid value for year: ${from + Math.ceil((10000 - from) / step) * step} (supported range: 1-9999)`);
  acc.years.push(from, last, step);
}

export function setRange(acc: Acc, field: number, from: number, to: number, step: number, nth: string | undefined): void {
  if (field === YEAR) {
    addYears(acc, from, to, step);
    return;
  }
  for (let v = from; v <= to; v += step) setIndex(acc, field, v, nth);
}

export function checkStep(field: number, step: number): void {
  if (step === 0) fail('illegal step: 0');
  if (step > (SIZE[field] as number)) fail(`step ${step} is larger than the ${LABEL[field]} range (${SIZE[field]})`);
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

export function newAcc(): Acc {
  return { lo: [0, 0, 0, 0, 0, 0, 0, 0], hi: [0, 0, 0, 0, 0, 0, 0, 0], weekdays: [0, 0, 0, 0, 0, 0, 0], years: [], lastDay: false, lastWeekday: false };
}

/** What the parsers learn from the field texts rather than the masks. */
export interface TextFlags {
  starDom: boolean;
  starDow: boolean;
  starYear: boolean;
  andDow: boolean;
  /** Second, minute and hour fields contain neither `*` nor `/`. */
  plainTime: boolean;
}

export function compile(acc: Acc, flags: TextFlags): CompiledCron {
  const { lo, hi } = acc;
  return {
    secLo: lo[SEC] as number,
    secHi: hi[SEC] as number,
    minLo: lo[MIN] as number,
    minHi: hi[MIN] as number,
    hours: lo[HOUR] as number,
    days: (lo[DOM] as number) | ((hi[DOM] as number) << 30),
    nearest: (lo[NEAREST] as number) | ((hi[NEAREST] as number) << 30),
    lastDay: acc.lastDay,
    lastWeekday: acc.lastWeekday,
    months: lo[MONTH] as number,
    weekdays: acc.weekdays,
    starDom: flags.starDom,
    starDow: flags.starDow,
    andDow: flags.andDow,
    years: flags.starYear ? null : acc.years,
    fixedTime:
      flags.plainTime &&
      popcount(lo[SEC] as number) + popcount(hi[SEC] as number) === 1 &&
      popcount(lo[MIN] as number) + popcount(hi[MIN] as number) === 1 &&
      popcount(lo[HOUR] as number) === 1,
  };
}
