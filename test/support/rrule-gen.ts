/**
 * Random RRULEs for the differential test, and the reference evaluation through the `rrule`
 * package (a port of python-dateutil), mapped to a zone with the same gap/fold rule as ours.
 */

import rrulePkg from 'rrule';
import { localToUtc, nextTransition, wallAt } from '../../src/scheduler/tz.ts';
import type { Rng } from './prng.ts';

const { RRule } = rrulePkg;

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

function some<T>(rng: Rng, items: readonly T[], max: number): T[] {
  const n = int(rng, 1, max);
  const out = new Set<T>();
  for (let i = 0; i < n; i++) out.add(pick(rng, items));
  return [...out];
}

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

export interface Case {
  rule: string;
  freq: string;
}

/**
 * A rule from the supported subset. Sub-daily rules keep to what the reference evaluates
 * correctly and in bounded time (see the test's header): an INTERVAL dividing the cycle of a
 * BY part of their own unit, and no day filters that leave months without a match.
 */
export function randomRule(rng: Rng): Case {
  const freq = pick(rng, ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'DAILY', 'WEEKLY', 'WEEKLY', 'MONTHLY', 'MONTHLY', 'MONTHLY', 'YEARLY', 'YEARLY']);
  const parts = [`FREQ=${freq}`];
  const sub = freq === 'SECONDLY' || freq === 'MINUTELY' || freq === 'HOURLY';
  let interval = 1;
  if (freq === 'SECONDLY') interval = pick(rng, [300, 600, 900, 1200, 1800, 3600, 450, 720]);
  else if (freq === 'MINUTELY') interval = pick(rng, [5, 10, 15, 20, 30, 6, 12, 7, 45, 90]);
  else if (rng() < 0.5) interval = int(rng, 1, freq === 'HOURLY' ? 8 : 4);
  if (interval !== 1 || rng() < 0.2) parts.push(`INTERVAL=${interval}`);
  if (freq === 'YEARLY' || (!sub && rng() < 0.25)) parts.push(`BYMONTH=${some(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], freq === 'YEARLY' ? 3 : 6).join(',')}`);
  const ordinals = freq === 'MONTHLY' || freq === 'YEARLY';
  if (!sub || rng() < 0.3) {
    const r = rng();
    if (r < 0.4 && freq !== 'DAILY') {
      // All with an ordinal or none: rrule 2.8.1 returns nothing for a mix (BYDAY=-1TH,FR).
      const nth = ordinals && rng() < 0.6;
      parts.push(`BYDAY=${some(rng, DAYS, 3).map((d) => (nth ? `${pick(rng, [1, 2, 3, 4, -1, -2])}${d}` : d)).join(',')}`);
    } else if (r < 0.7 && freq !== 'WEEKLY' && !sub) {
      parts.push(`BYMONTHDAY=${some(rng, [1, 2, 5, 10, 13, 15, 20, 28, -1, -2, -7], 3).join(',')}`);
    } else if (r < 0.8 && freq === 'MONTHLY') {
      parts.push(`BYDAY=${some(rng, DAYS, 5).join(',')}`, `BYSETPOS=${some(rng, [1, 2, -1, -2], 2).join(',')}`);
    } else if (r < 0.9 && freq === 'DAILY') {
      parts.push(`BYDAY=${some(rng, DAYS, 5).join(',')}`);
    }
  }
  if (!sub) {
    // With BYSETPOS one time of day (tickler refuses more: ical.js picks days, not times).
    const n = parts.some((p) => p.startsWith('BYSETPOS')) ? 1 : 2;
    if (rng() < 0.9) parts.push(`BYHOUR=${some(rng, [0, 1, 2, 3, 6, 9, 12, 17, 23], n).join(',')}`);
    if (rng() < 0.8) parts.push(`BYMINUTE=${some(rng, [0, 15, 30, 45, 59, 7], n).join(',')}`);
    if (rng() < 0.5) parts.push(`BYSECOND=${some(rng, [0, 10, 30], n).join(',')}`);
  } else if (freq === 'HOURLY') {
    if (rng() < 0.7) parts.push(`BYMINUTE=${some(rng, [0, 15, 30, 45, 7], 2).join(',')}`);
    if (rng() < 0.3) parts.push(`BYSECOND=${some(rng, [0, 30], 1).join(',')}`);
  } else if (freq === 'MINUTELY') {
    if (rng() < 0.7) parts.push(`BYSECOND=${some(rng, [0, 10, 30], 1).join(',')}`);
  }
  if (rng() < 0.15) parts.push(`COUNT=${int(rng, 1, 40)}`);
  else if (rng() < 0.1) parts.push(`UNTIL=${int(rng, 2026, 2029)}${String(int(rng, 1, 12)).padStart(2, '0')}15T120000`);
  if (freq === 'WEEKLY' && rng() < 0.2) parts.push(`WKST=${pick(rng, ['SU', 'SA', 'WE'])}`);
  // The parts in a shuffled order: the reader must not care.
  const [head, ...rest] = parts;
  rest.sort(() => rng() - 0.5);
  return { rule: [head, ...rest].join(';'), freq };
}

/** An instant near a DST change in `zone` half of the time, else anywhere in 2026–2031. */
export function randomAfter(rng: Rng, zone: string): number {
  const base = Date.UTC(2026, 0, 1) + Math.floor(rng() * 5 * 365 * 86_400_000);
  if (rng() < 0.5) {
    const t = nextTransition(zone, base, base + 370 * 86_400_000);
    if (t !== null) return t + int(rng, -30 * 3600, 3 * 3600) * 1000;
  }
  return Math.floor(base / 1000) * 1000;
}

/** A DTSTART (wall ms) up to `maxDaysBack` days before `after`'s wall time, whole minutes most of the time. */
export function randomDtstart(rng: Rng, zone: string, after: number, maxDaysBack: number): number {
  const back = Math.floor(rng() * maxDaysBack * 86_400) * 1000;
  const wall = wallAt(zone, after) - back;
  return rng() < 0.7 ? Math.floor(wall / 60_000) * 60_000 : wall;
}

/** The next `n` fires after `after` by the reference: rrule from DTSTART, then the same zone rule. */
export function referenceNextN(rule: string, dtstartWall: number, zone: string, after: number, n: number): string[] {
  const options = RRule.parseString(rule) as Record<string, unknown>;
  // Both libraries yield a day's times in the order the lists were written (BYHOUR=1,0 gives
  // 01:00 before 00:00); a BY list is a set, so the reference gets them sorted as tickler stores them.
  for (const key of ['bysecond', 'byminute', 'byhour', 'bymonthday', 'bymonth', 'bysetpos']) {
    const v = options[key];
    if (Array.isArray(v)) options[key] = [...v].sort((a: number, b: number) => a - b);
  }
  const r = new RRule({ ...options, dtstart: new Date(dtstartWall) });
  const lower = wallAt(zone, after);
  const out: string[] = [];
  let t = after;
  let steps = 0;
  r.all((d: Date) => {
    if (++steps > 200_000) throw new Error('reference: too many occurrences before the window');
    const w = d.getTime();
    if (w < lower) return true;
    const u = localToUtc(zone, w).utcMs;
    if (u > t) {
      out.push(new Date(u).toISOString());
      t = u;
    }
    return out.length < n;
  });
  return out;
}
