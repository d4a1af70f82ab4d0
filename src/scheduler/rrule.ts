/**
 * RRULE evaluation: occurrences are computed by ical.js (Mozilla's, Thunderbird's) in floating
 * wall-clock time, then mapped to the task's zone here with the rule cron uses for fixed times:
 * a wall time in a spring-forward gap fires at the first instant after the gap, a wall time that
 * happens twice fires at its first occurrence, and two wall times that land on one instant fire once.
 *
 * The library is driven from an anchor, not from DTSTART: the start of a period in DTSTART's
 * INTERVAL phase, one phase before the stretch asked about. So a query costs the occurrences of
 * about one period, whatever the rule's age, and the library's quirks at its first period (it
 * returns a DTSTART that does not match, or a month BYMONTH excludes) fall in a stretch whose
 * results are discarded. The parts RFC 5545 takes from DTSTART are written into the rule first
 * (rrule-parse.ts), so the anchor changes nothing else. COUNT becomes the wall time of the last
 * occurrence, computed once per rule. Every candidate the library examines is counted, and a
 * query gives up after MAX_CANDIDATES: a rule whose matches are that sparse for its FREQ is
 * refused when it is saved.
 */

import ICAL from 'ical.js';
import { civilFromDays, DAY_MS, daysFromCivil, daysInMonth } from './civil.ts';
import { explicitParts, formatRRule, type RRuleParts, wallFields } from './rrule-parse.ts';
import { localToUtc, sharedTzCache, type TzCache, wallAt } from './tz.ts';

/** Candidates the library may examine for one query (a 5-minute MINUTELY rule has ~105,000 a year). */
export const MAX_CANDIDATES = 1_000_000;

const HORIZON_MS = 60 * 366 * DAY_MS;
const MONTHS = { freq: 'MONTHLY', wkst: 1 } as RRuleParts;

export class RRuleBudgetError extends Error {}

export interface CompiledRRule {
  /** The rule with DTSTART's defaults written in. */
  readonly parts: RRuleParts;
  /** The rule handed to the library was read at MONTHLY (see compileRRule). */
  readonly monthly: boolean;
  /** The library was given INTERVAL=1: the INTERVAL phase is checked here. */
  readonly phaseHere: boolean;
  /** The BYMONTH the library was given, if any. */
  readonly libMonths: readonly number[] | null;
  readonly dtstart: number;
  /** The last allowed occurrence (UNTIL, or the COUNT-th occurrence), as wall ms; null: none. */
  readonly last: number | null;
  readonly recur: ICAL.Recur;
  /** The last few answers of rruleNextN, by zone, instant and count. */
  readonly answers?: Map<string, readonly number[]>;
}

// Tasks that share a rule share the compiled form, and the claimer asks the same question for each
// of them when their fires are due at one instant: a query costs the library ~20–1,300 µs (BYSETPOS
// the most, bench/rrule.ts), a remembered answer a map lookup.
const ANSWERS_MAX = 8;

// Period numbering, so an anchor in DTSTART's INTERVAL phase can be found by arithmetic.
function periodIndex(p: RRuleParts, wall: number): number {
  switch (p.freq) {
    case 'SECONDLY':
      return Math.floor(wall / 1000);
    case 'MINUTELY':
      return Math.floor(wall / 60_000);
    case 'HOURLY':
      return Math.floor(wall / 3_600_000);
    case 'DAILY':
      return Math.floor(wall / DAY_MS);
    case 'WEEKLY':
      // Day 0 (1970-01-01) was a Thursday: weeks starting on WKST begin on days ≡ WKST − 4 (mod 7).
      return Math.floor((Math.floor(wall / DAY_MS) - (p.wkst - 4)) / 7);
    case 'MONTHLY': {
      const d = civilFromDays(Math.floor(wall / DAY_MS));
      return d.y * 12 + d.m - 1;
    }
    case 'YEARLY':
      return civilFromDays(Math.floor(wall / DAY_MS)).y;
  }
}

function periodStart(p: RRuleParts, index: number): number {
  switch (p.freq) {
    case 'SECONDLY':
      return index * 1000;
    case 'MINUTELY':
      return index * 60_000;
    case 'HOURLY':
      return index * 3_600_000;
    case 'DAILY':
      return index * DAY_MS;
    case 'WEEKLY':
      return (index * 7 + (p.wkst - 4)) * DAY_MS;
    case 'MONTHLY':
      return daysFromCivil(Math.floor(index / 12), (((index % 12) + 12) % 12) + 1, 1) * DAY_MS;
    case 'YEARLY':
      return daysFromCivil(index, 1, 1) * DAY_MS;
  }
}

function icalTime(wall: number): ICAL.Time {
  const f = wallFields(wall);
  return ICAL.Time.fromData({ year: f.y, month: f.m, day: f.d, hour: f.h, minute: f.mi, second: f.s, isDate: false });
}

function wallOf(t: ICAL.Time): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/**
 * Whether a wall time passes every BY part of explicit parts. ical.js yields the odd time that
 * does not (MONTHLY;BYDAY=FR;BYMINUTE=30,45 gives 16:45 on the 1st after each month's last
 * Friday): each result is checked, so the library can only ever miss a time, never invent one.
 */
export function passesFilters(p: RRuleParts, wall: number): boolean {
  const f = wallFields(wall);
  if (p.bySecond && !p.bySecond.includes(f.s)) return false;
  if (p.byMinute && !p.byMinute.includes(f.mi)) return false;
  if (p.byHour && !p.byHour.includes(f.h)) return false;
  if (p.byMonth && !p.byMonth.includes(f.m)) return false;
  const dim = daysInMonth(f.y, f.m);
  if (p.byMonthDay && !p.byMonthDay.some((v) => v === f.d || dim + v + 1 === f.d)) return false;
  if (p.byDay) {
    // Ordinals count within the month (rrule-parse.ts refuses YEARLY ordinals without BYMONTH).
    const fromStart = Math.ceil(f.d / 7);
    const fromEnd = -Math.ceil((dim - f.d + 1) / 7);
    if (!p.byDay.some((b) => b.day === f.weekday && (b.nth === 0 || b.nth === fromStart || b.nth === fromEnd))) return false;
  }
  return true;
}

/**
 * Floating occurrences at or after `fromWall` (and DTSTART), ascending, until `last`. Throws
 * RRuleBudgetError past MAX_CANDIDATES.
 */
export function* floatingFrom(c: Omit<CompiledRRule, 'last'> & { last: number | null }, fromWall: number): Generator<number> {
  const lower = Math.max(fromWall, c.dtstart);
  if (c.last !== null && lower > c.last) return;
  const p = c.parts;
  const first = periodIndex(p, c.dtstart);
  const q = Math.max(0, Math.floor((periodIndex(p, lower) - first) / p.interval));
  let anchor = periodStart(p, first + (q - 1) * p.interval);
  // Read as MONTHLY, the library's first month is the one it may get wrong: make it a whole month before.
  if (c.monthly) anchor = periodStart(MONTHS, periodIndex(MONTHS, anchor) - 1);
  if (c.libMonths) {
    // From a month outside BYMONTH the library skips a year or returns months out of order;
    // from one inside it is right. With BYMONTH it always steps by 1 (phaseHere when INTERVAL
    // is larger), so any earlier start gives the same occurrences.
    let m = periodIndex(MONTHS, anchor);
    for (let k = 0; k < 12 && !c.libMonths.includes((((m % 12) + 12) % 12) + 1); k++) m--;
    anchor = Math.min(anchor, periodStart(MONTHS, m));
  }
  const it = c.recur.iterator(icalTime(anchor));
  // A rule that matches nothing for this long is taken to have ended (29 February on a Friday
  // the 13th comes within 28 years).
  const horizon = lower + HORIZON_MS;
  let candidates = 0;
  const check = it.check_contracting_rules;
  // The library's own loops have no bound for a rule that never matches (HOURLY;INTERVAL=2;BYHOUR=1
  // from an even hour): every candidate passes through this check, so it is counted here.
  it.check_contracting_rules = function counted(this: typeof it) {
    if (++candidates > MAX_CANDIDATES) throw new RRuleBudgetError(`no occurrence within ${MAX_CANDIDATES} candidates`);
    return check.call(this);
  };
  for (;;) {
    const t = it.next();
    if (!t) return;
    const w = wallOf(t);
    if (w < lower) continue;
    if (c.last !== null && w > c.last) return;
    if (w > horizon) return;
    if (c.phaseHere && (((periodIndex(p, w) - first) % p.interval) + p.interval) % p.interval !== 0) continue;
    if (passesFilters(p, w)) yield w;
  }
}

/** Builds the evaluator of a parsed rule from its DTSTART (wall ms); throws RRuleBudgetError. */
export function compileRRule(parts: RRuleParts, dtstart: number): CompiledRRule {
  const explicit = explicitParts(parts, dtstart);
  // ical.js gets YEARLY wrong in several ways (a day's times after the first are dropped, 29
  // February rolls over to 1 March, BYMONTHDAY without BYMONTH means December only) and misses
  // negative BYMONTHDAYs under DAILY, while it reads MONTHLY right: such rules are handed over as
  // MONTHLY in their months, and `floatingFrom` keeps the years or days of their INTERVAL phase.
  // It also steps from one BYMONTH month to the next regardless of INTERVAL; with BYMONTH it is
  // given INTERVAL=1 and the phase is checked here.
  const monthly = explicit.freq === 'YEARLY' || (explicit.freq === 'DAILY' && explicit.byMonthDay !== null);
  const phaseHere = explicit.interval > 1 && (monthly || explicit.byMonth !== null);
  const lib: RRuleParts = monthly
    ? { ...explicit, freq: 'MONTHLY', interval: 1, byMonth: explicit.byMonth ?? (explicit.freq === 'YEARLY' ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] : null) }
    : phaseHere
      ? { ...explicit, interval: 1 }
      : explicit;
  const recur = ICAL.Recur.fromString(formatRRule(lib, { count: false, until: false }));
  let last = explicit.until;
  if (explicit.count !== null) {
    let n = 0;
    last = dtstart - 1000;
    for (const w of floatingFrom({ parts: explicit, monthly, phaseHere, libMonths: lib.byMonth, dtstart, last: null, recur }, dtstart)) {
      last = w;
      if (++n >= explicit.count) break;
    }
  }
  return { parts: explicit, monthly, phaseHere, libMonths: lib.byMonth, dtstart, last, recur, answers: new Map() };
}

// Compiling costs a library parse (and, with COUNT, a walk to the last occurrence): keep a bounded
// number by rule and DTSTART; a compiled rule is a few hundred bytes.
const CACHE_MAX = 4096;
const cache = new Map<string, CompiledRRule>();

export function cachedRRule(key: string, build: () => CompiledRRule): CompiledRRule {
  let c = cache.get(key);
  if (c) {
    cache.delete(key);
  } else {
    c = build();
    if (cache.size >= CACHE_MAX) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }
  cache.set(key, c);
  return c;
}

/**
 * The next `n` fires strictly after `after` in `zone` (fewer when the rule ends). Throws
 * RRuleBudgetError when the library examined too many candidates before finding them (a saved
 * rule was checked for that; see `nextRuns` in schedule.ts for what the engine does).
 */
export function rruleNextN(c: CompiledRRule, zone: string, after: Date, n: number, cache: TzCache = sharedTzCache): Date[] {
  let t = after.getTime();
  if (!Number.isFinite(t)) throw new RangeError('rruleNextN: invalid date');
  const out: Date[] = [];
  if (n <= 0) return out;
  const key = `${zone}|${t}|${n}`;
  const known = c.answers?.get(key);
  if (known) return known.map((ms) => new Date(ms));
  // A wall time maps to the first instant whose wall clock reaches it, so one at or before the
  // wall time of `after` maps at or before `after`; later ones still may (the second pass of a fold).
  for (const w of floatingFrom(c, wallAt(zone, t, cache))) {
    const u = localToUtc(zone, w, cache).utcMs;
    if (u <= t) continue;
    out.push(new Date(u));
    if (out.length >= n) break;
    t = u;
  }
  if (c.answers) {
    if (c.answers.size >= ANSWERS_MAX) c.answers.delete(c.answers.keys().next().value as string);
    c.answers.set(key, out.map((d) => d.getTime()));
  }
  return out;
}
