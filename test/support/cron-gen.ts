/**
 * Inputs for the cron-vs-croner differential test: a seeded PRNG, random cron expressions covering
 * every syntax feature croner accepts by default, mutations of them (mostly invalid), and reference
 * instants (DST transitions found independently of src/scheduler/tz.ts, via Intl's offset names).
 */

import { DateTime } from 'luxon';
import type { Rng } from './prng.ts';

export { mulberry32, type Rng } from './prng.ts';

export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const chance = (r: Rng, p: number): boolean => r() < p;
const randomCase = (r: Rng, s: string): string => [...s].map((c) => (chance(r, 0.5) ? c.toUpperCase() : c.toLowerCase())).join('');

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** One item of a numeric field: a value, a range, a step (*\/n) or a stepped range (a-b\/n). */
function atom(r: Rng, lo: number, hi: number, name?: (v: number) => string): string {
  const v = () => {
    const n = int(r, lo, hi);
    return name && chance(r, 0.4) ? name(n) : String(n);
  };
  const x = r();
  if (x < 0.45) return v();
  if (x < 0.7) {
    const a = int(r, lo, hi);
    const b = int(r, a, Math.min(hi, a + int(r, 0, hi - lo)));
    return name && chance(r, 0.3) ? `${name(a)}-${name(b)}` : `${a}-${b}`;
  }
  if (x < 0.85) return `*/${int(r, 1, Math.max(2, Math.ceil((hi - lo + 1) / 2)))}`;
  const a = int(r, lo, hi);
  return `${a}-${int(r, a, hi)}/${int(r, 1, Math.max(1, hi - lo))}`;
}

function list(r: Rng, one: () => string): string {
  const n = chance(r, 0.7) ? 1 : int(r, 2, 4);
  return Array.from({ length: n }, one).join(',');
}

function timeField(r: Rng, hi: number, pStar: number): string {
  if (chance(r, pStar)) return chance(r, 0.1) ? '?' : '*';
  return list(r, () => atom(r, 0, hi));
}

function domField(r: Rng): string {
  const x = r();
  if (x < 0.45) return chance(r, 0.1) ? '?' : '*';
  if (x < 0.55) return randomCase(r, pick(r, ['L', 'LW', 'L', 'L,15', '1,L']));
  if (x < 0.65) return list(r, () => `${int(r, 1, 31)}${pick(r, ['W', 'w'])}`);
  return list(r, () => atom(r, 1, 31));
}

function dowField(r: Rng): string {
  const x = r();
  const day = () => (chance(r, 0.4) ? randomCase(r, pick(r, DAYS)) : String(int(r, 0, 7)));
  let f: string;
  if (x < 0.5) return chance(r, 0.1) ? '?' : '*';
  if (x < 0.62) f = `${int(r, 0, 7)}#${chance(r, 0.2) ? 'L' : int(r, 1, 5)}`;
  else if (x < 0.7) f = `${int(r, 0, 7)}${pick(r, ['L', 'l'])}`;
  else if (x < 0.75) f = `${int(r, 0, 3)}-${int(r, 4, 7)}#${int(r, 1, 4)}`;
  else if (x < 0.8) f = randomCase(r, pick(r, ['MON-FRI', 'MON-SUN', 'SAT,SUN', 'SUN-SAT', 'FRIL', 'MON#2']));
  else f = list(r, () => (chance(r, 0.5) ? day() : atom(r, 0, 7, (v) => DAYS[v % 7] as string)));
  return chance(r, 0.15) ? `+${f}` : f;
}

function yearField(r: Rng): string {
  const y = () => int(r, 2019, 2040);
  return pick(r, [() => '*', () => String(y()), () => `${int(r, 2019, 2027)}-${int(r, 2028, 2045)}`, () => `*/${int(r, 1, 4)}`, () => `2020-2040/${int(r, 2, 5)}`, () => `${y()},${y()}`])();
}

/** A random expression croner should accept (it may still never fire, e.g. 30 February). */
export function randomCron(r: Rng): string {
  if (chance(r, 0.02)) return randomCase(r, pick(r, ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']));
  const fields = [
    timeField(r, 59, 0.3),
    timeField(r, 23, 0.3),
    domField(r),
    chance(r, 0.7) ? '*' : list(r, () => atom(r, 1, 12, (v) => randomCase(r, MONTHS[v - 1] as string))),
    dowField(r),
  ];
  const n = r();
  // Seconds make fires dense, so keep them mostly to a single value.
  if (n < 0.3) fields.unshift(chance(r, 0.7) ? String(int(r, 0, 59)) : timeField(r, 59, 0.2));
  if (n < 0.1) fields.push(yearField(r));
  const sep = () => (chance(r, 0.9) ? ' ' : pick(r, ['  ', '\t', ' \t ']));
  return (chance(r, 0.05) ? ' ' : '') + fields.join(sep()) + (chance(r, 0.05) ? ' ' : '');
}

const NOISE = ['0', '1', '7', '9', '31', '60', '*', '/', ',', '-', '#', 'L', 'W', 'l', 'w', '?', '+', 'MON', 'JAN', 'X', '@', ' ', '#6', 'L-2', '0/5'];

/** A random expression with one edit (inserted, replaced or deleted text): valid or not, croner decides. */
export function mutateCron(r: Rng, expr: string): string {
  const at = int(r, 0, expr.length);
  const x = r();
  if (x < 0.4) return expr.slice(0, at) + pick(r, NOISE) + expr.slice(at);
  if (x < 0.8) return expr.slice(0, at) + pick(r, NOISE) + expr.slice(at + 1);
  return expr.slice(0, at) + expr.slice(at + int(r, 1, 3));
}

function offsetSeconds(fmt: Intl.DateTimeFormat, ms: number): number {
  const m = /GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(fmt.format(ms));
  if (!m) throw new Error(`unexpected offset format at ${ms}`);
  if (!m[1]) return 0;
  const v = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -v : v;
}

/** Offset changes of a zone between two years, by daily sampling and bisection to the second. */
export function transitions(zone: string, fromYear: number, toYear: number): number[] {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const out: number[] = [];
  const end = Date.UTC(toYear, 0, 1);
  let x = Date.UTC(fromYear, 0, 1);
  let o = offsetSeconds(fmt, x);
  for (; x < end; x += 86_400_000) {
    const o2 = offsetSeconds(fmt, x + 86_400_000);
    if (o2 !== o) {
      let lo = x;
      let hi = x + 86_400_000;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetSeconds(fmt, mid) === o) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
    o = o2;
  }
  return out;
}

/** Reference instants for a zone, by kind: around its DST changes, random, month ends and leap days. */
export function referenceInstants(r: Rng, zone: string): { dst: number[]; random: number[]; calendar: number[] } {
  const dst: number[] = [];
  for (const t of transitions(zone, 2018, 2036)) {
    for (const d of [-7_200_000, -3_600_001, -1, 0, 1, 1_800_000, 3_599_999, 7_200_000]) dst.push(t + d);
    for (let i = 0; i < 4; i++) dst.push(t + int(r, -7_200_000, 7_200_000));
  }
  const lo = Date.UTC(2020, 0, 1);
  const hi = Date.UTC(2036, 0, 1);
  const random = Array.from({ length: 200 }, (_, i) => {
    const t = lo + Math.floor(r() * (hi - lo));
    return i % 3 === 0 ? t - (t % 60_000) : t; // some on whole minutes, where ties with fires happen
  });
  const calendar: number[] = [];
  const local = (y: number, m: number, d: number, h: number, mi: number, s: number, ms: number) =>
    DateTime.fromObject({ year: y, month: m, day: d, hour: h, minute: mi, second: s, millisecond: ms }, { zone }).toMillis();
  for (let i = 0; i < 40; i++) {
    const y = int(r, 2020, 2035);
    const m = int(r, 1, 12);
    const last = DateTime.fromObject({ year: y, month: m }, { zone }).daysInMonth ?? 28;
    calendar.push(local(y, m, last, 23, 59, 59, 999), local(y, m, last, 12, 0, 0, 0), local(y, m, 1, 0, 0, 0, 0));
  }
  for (const y of [2024, 2028, 2032]) calendar.push(local(y, 2, 28, 23, 59, 59, 500), local(y, 2, 29, 0, 0, 0, 0), local(y, 2, 29, 12, 0, 0, 0));
  return { dst, random, calendar };
}
