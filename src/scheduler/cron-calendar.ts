/**
 * The wall-clock half of cron evaluation: the first local date-time at or after a given one that a
 * compiled cron matches, ignoring time zones. This is croner's CronDate.recurse (lexicographic
 * search over year → month → day → hour → minute → second) done with bitmasks: a month's matching
 * days are computed as one 31-bit mask instead of testing each day.
 */

import { civilFromDays, DAY_MS, daysFromCivil, daysInMonth, weekdayOf } from './civil.ts';
import type { CompiledCron } from './cron-parse.ts';

/** Index of the lowest set bit (x ≠ 0). */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Lowest set bit of `mask` at index ≥ i, or −1. */
function nextBit(mask: number, i: number): number {
  if (i > 31) return -1;
  const x = mask & (-1 << i);
  return x === 0 ? -1 : ctz(x);
}

/** Same over a 60-bit set split as lo (0–29) and hi (30–59). */
function nextBit60(lo: number, hi: number, i: number): number {
  if (i < 30) {
    const x = lo & (-1 << i);
    if (x !== 0) return ctz(x);
    return hi === 0 ? -1 : 30 + ctz(hi);
  }
  if (i >= 60) return -1;
  const x = hi & (-1 << (i - 30));
  return x === 0 ? -1 : 30 + ctz(x);
}

/** First matching second of the day at or after `sod` (seconds since midnight), or −1. */
function nextTimeOfDay(c: CompiledCron, sod: number): number {
  const h = Math.floor(sod / 3600);
  const mi = Math.floor(sod / 60) % 60;
  const s = sod % 60;
  const firstSec = nextBit60(c.secLo, c.secHi, 0);
  if ((c.hours >>> h) & 1) {
    if (mi < 30 ? (c.minLo >>> mi) & 1 : (c.minHi >>> (mi - 30)) & 1) {
      const s2 = nextBit60(c.secLo, c.secHi, s);
      if (s2 >= 0) return h * 3600 + mi * 60 + s2;
    }
    const m2 = nextBit60(c.minLo, c.minHi, mi + 1);
    if (m2 >= 0) return h * 3600 + m2 * 60 + firstSec;
  }
  const h2 = nextBit(c.hours, h + 1);
  return h2 < 0 ? -1 : h2 * 3600 + nextBit60(c.minLo, c.minHi, 0) * 60 + firstSec;
}

/** croner's nearest weekday to day n: a Saturday moves back (or to Monday the 3rd), a Sunday forward (or back to Friday at month end). */
function nearestWeekday(n: number, weekday: number, last: number): number {
  if (weekday === 0) return n === last ? n - 2 : n + 1;
  if (weekday === 6) return n === 1 ? n + 2 : n - 1;
  return n;
}

/** Days (bit d − 1) of month m of year y that match, given the weekday of the 1st. */
export function dayMask(c: CompiledCron, y: number, m: number, weekday1: number): number {
  const last = daysInMonth(y, m);
  let dom = c.days;
  for (let bits = c.nearest; bits !== 0; bits &= bits - 1) {
    const n = ctz(bits) + 1;
    if (n <= last) dom |= 1 << (nearestWeekday(n, (weekday1 + n - 1) % 7, last) - 1);
  }
  if (c.lastWeekday) {
    const wd = (weekday1 + last - 1) % 7;
    dom |= 1 << ((wd === 0 ? last - 2 : wd === 6 ? last - 1 : last) - 1);
  }
  if (c.lastDay) dom |= 1 << (last - 1);
  let mask = dom;
  if (!c.starDow) {
    let dow = 0;
    for (let wd = 0; wd < 7; wd++) {
      const want = c.weekdays[wd] as number;
      if (want === 0) continue;
      const first = ((wd - weekday1 + 7) % 7) + 1;
      const count = Math.floor((last - first) / 7) + 1;
      for (let k = 0; k < count; k++) {
        if ((want >>> k) & 1 || (want & 32 && k === count - 1)) dow |= 1 << (first - 1 + 7 * k);
      }
    }
    // croner's default (legacyMode): either field may match, unless day-of-month is `*` or `+` asks for both.
    mask = c.andDow || c.starDom ? dom & dow : dom | dow;
  }
  return mask & (last === 31 ? 0x7fffffff : (1 << last) - 1);
}

/** First allowed year ≥ y from (from, to, step) triples, or −1. */
function nextYear(years: readonly number[], y: number): number {
  let best = -1;
  for (let i = 0; i < years.length; i += 3) {
    const from = years[i] as number;
    const to = years[i + 1] as number;
    const step = years[i + 2] as number;
    if (y > to) continue;
    const v = y <= from ? from : from + Math.ceil((y - from) / step) * step;
    if (v <= to && (best < 0 || v < best)) best = v;
  }
  return best;
}

/**
 * The first wall time (wall ms, see tz.ts) at or after `wallMs` that matches, or null. Like croner,
 * the search gives up after 400 years (a Gregorian cycle: nothing found means never) or at year
 * 3000 when the year field is `*`, and at year 9999 otherwise.
 */
export function nextWallMatch(c: CompiledCron, wallMs: number): number | null {
  const startDays = Math.floor(wallMs / DAY_MS);
  let sod = Math.round((wallMs - startDays * DAY_MS) / 1000);
  let { y, m, d } = civilFromDays(startDays);
  const maxYear = c.years === null ? Math.min(y + 400, 2999) : 9999;
  for (; y <= maxYear; y++, m = 1, d = 1, sod = 0) {
    if (c.years !== null) {
      const allowed = nextYear(c.years, y);
      if (allowed < 0 || allowed > maxYear) return null;
      if (allowed !== y) {
        y = allowed;
        m = 1;
        d = 1;
        sod = 0;
      }
    }
    for (; m <= 12; m++, d = 1, sod = 0) {
      if (((c.months >>> (m - 1)) & 1) === 0) continue;
      const first = daysFromCivil(y, m, 1);
      let mask = dayMask(c, y, m, weekdayOf(first)) & (-1 << (d - 1));
      while (mask !== 0) {
        const day = ctz(mask) + 1;
        const t = nextTimeOfDay(c, day === d ? sod : 0);
        if (t >= 0) return (first + day - 1) * DAY_MS + t * 1000;
        mask &= mask - 1;
      }
    }
  }
  return null;
}

/** The calendar day (days since epoch) of a wall time. */
export function wallDay(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}
