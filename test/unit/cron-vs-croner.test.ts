/**
 * Differential test: our cron evaluator against croner 11 (the reference), on hand-picked edge
 * cases and on seeded random expressions, in zones with every kind of DST (none, 1 h, 30 min, at
 * midnight, Morocco's Ramadan suspension, 45-minute offsets), from instants around every DST change
 * 2018–2035, at month ends, on leap days and at random. Each comparison is the next 20 fires.
 * A failure prints the seed, expression, zone and instant, so it reproduces.
 */

import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { cronNextN, parseCron } from '../../src/scheduler/cron.ts';
import { parseGeneral } from '../../src/scheduler/cron-parse.ts';
import { mulberry32, mutateCron, pick, randomCron, referenceInstants, type Rng } from '../support/cron-gen.ts';

const SEED = 20261108;
const FIRES = 20;
const ZONES = [
  'UTC',
  'Europe/Paris',
  'Europe/London',
  'America/New_York',
  'America/Sao_Paulo', // DST until 2019, changing at midnight
  'Australia/Sydney',
  'Australia/Lord_Howe', // 30-minute DST
  'Asia/Kolkata',
  'Asia/Kathmandu', // +05:45
  'Pacific/Chatham', // +12:45 / +13:45
  'America/St_Johns', // −03:30 / −02:30
  'Africa/Casablanca', // +01 with a month at +00 around Ramadan
];

const EDGE_PATTERNS = [
  '* * * * *', '0 * * * *', '30 * * * *', '*/15 * * * *', '0 */2 * * *', '*/30 1-3 * * *',
  '30 1 * * *', '30 2 * * *', '0 2 * * *', '0 1 * * *', '0 3 * * *', '45 2 * * *', '15 2 * * *', '0,30 1 * * *', '0 1,2 * * *',
  '0 0 * * *', '0 0 0 * * *', '0 30 1 * * *', '15 30 2 * * *', '30 * 2 * * *', '0 0-59/20 1-2 * * *', '59 59 23 * * *',
  '0 0 31 * *', '0 0 30 * *', '0 0 29 2 *', '0 0 30 2 *', '0 12 29 2 1', '0 12 29 2 +1', '0 0 28-31 2 *',
  '0 0 L * *', '0 0 l * *', '0 0 L 2 *', '0 0 LW * *', '0 0 15W * *', '0 0 1W * *', '0 0 31W * *', '0 0 30W 2 *',
  '0 0 L,15 * *', '0 0 1,15W * *', '0 0 L * 0', '0 0 LW * 5#L',
  '0 0 * * 5#3', '0 0 * * 5#L', '0 0 * * 5L', '0 0 * * FRIL', '0 0 * * 1#1', '0 0 * * 0#5', '0 0 * * 7', '0 0 * * 7#2', '0 0 * * 1-5#2',
  '0 0 13 * 5', '0 0 13 * +5', '0 0 1 * 1', '0 0 15W * +1-5', '0 0 1 * 1#2,5L', '0 0 * * 1,1#2',
  '0 9 * * MON-FRI', '0 9 * * mon-sun', '0 9 * * SAT,SUN', '0 0 1 JAN,JUL *', '0 0 1 feb-apr *', '0 9 * * 1-5',
  '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly',
  '0 0 ? * ?', '0 0 1-31/2 * *', '0 0 */2 * *', '0 0 1 */3 *', '0 0 * * */2', '0 0 * * 1-5/2',
  '0 0 0 1 1 * 2030', '0 0 0 * * * 2026-2028', '0 0 0 1 1 * */4', '0 0 0 29 2 * 2024-2040/4', '0 0 0 1 1 * 2019', '0 0 0 * * * *,2030',
  '59 59 23 31 12 *', '0 0 0 1 1 ?', '  0   9 * *  1-5 ', '0\t9\t*\t*\t*',
];

const INVALID_PATTERNS = [
  '', ' ', '* * * *', '* * * * * * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * 32 * *', '* * * 13 *', '* * * 0 *',
  '* * * * 8', '5/15 * * * *', '/5 * * * *', '*/0 * * * *', '*/61 * * * * *', '5-1 * * * *', 'L * * * *', '* * L-2 * *',
  '* * 15L * *', '* * LW,1 * *', '* * 1-5W * *', '* * */2W * *', '* * * * 5#6', '* * * * 5#0', '* * * * #3', '* * * * 5#', '* * * * L',
  '* * W * *', '@reboot', '@foo', '* * * * MONDAY', '* * * JANUARY *', '0 0 * * * * 0', '0 0 * * * * 10000', '* * * * * * 2020-10000',
  '* * * * +', '* * * * ++1', 'a b c d e', '* * * * * 1.5', '* * 1#2 * *', '* * * 1L *', '1-2-3 * * * *', '* * * * 1-7/0', '* * * * */8',
  '* * * * 1#2#3', '* * ,1 * *', '* * 1, * *', '* * L, * *', '* * * * */MON', '* * * * MON5',
];

function croner(expr: string, zone: string): Cron | Error {
  try {
    return new Cron(expr, { timezone: zone, paused: true });
  } catch (err) {
    return err as Error;
  }
}

function ours(expr: string): ReturnType<typeof parseCron> | Error {
  try {
    return parseCron(expr);
  } catch (err) {
    return err as Error;
  }
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString()).join(' ');

interface Tally {
  comparisons: number;
  fires: number;
  failures: string[];
}

/** Compares the next FIRES fires of one expression in one zone from each instant. */
function compare(expr: string, zone: string, instants: number[], tally: Tally): void {
  const ref = croner(expr, zone);
  const mine = ours(expr);
  if (ref instanceof Error || mine instanceof Error) {
    tally.failures.push(`${JSON.stringify(expr)}: croner ${ref instanceof Error ? `rejects (${ref.message})` : 'accepts'}, ours ${mine instanceof Error ? `rejects (${mine.message})` : 'accepts'}`);
    return;
  }
  for (const t of instants) {
    const after = new Date(t);
    const want = iso(ref.nextRuns(FIRES, after));
    const got = iso(cronNextN(mine, zone, after, FIRES));
    tally.comparisons++;
    tally.fires += want === '' ? 0 : want.split(' ').length;
    if (want !== got && tally.failures.length < 10) {
      tally.failures.push(`seed ${SEED}: ${JSON.stringify(expr)} in ${zone} after ${after.toISOString()}\n  croner ${want}\n  ours   ${got}`);
    }
  }
}

const rng: Rng = mulberry32(SEED);
const instants = new Map(ZONES.map((z) => [z, referenceInstants(rng, z)]));
const totals: Tally = { comparisons: 0, fires: 0, failures: [] };

/** Reference instants for one expression in one zone: around DST changes (if any), random, calendar edges. */
function instantsFor(r: Rng, zone: string, count: number): number[] {
  const pool = instants.get(zone);
  if (!pool) throw new Error(zone);
  return Array.from({ length: count }, () => {
    const x = r();
    const kind = x < 0.4 && pool.dst.length > 0 ? pool.dst : x < 0.75 ? pool.random : pool.calendar;
    return pick(r, kind);
  });
}

describe('cron evaluator vs croner 11', () => {
  it('hand-picked edge cases agree in every zone', () => {
    const tally: Tally = { comparisons: 0, fires: 0, failures: [] };
    for (const expr of EDGE_PATTERNS) for (const zone of ZONES) compare(expr, zone, instantsFor(rng, zone, 2), tally);
    totals.comparisons += tally.comparisons;
    totals.fires += tally.fires;
    expect(tally.failures).toEqual([]);
  });

  it('around every DST change 2018–2035, hourly and sub-hourly patterns agree', () => {
    const tally: Tally = { comparisons: 0, fires: 0, failures: [] };
    const dense = ['0 * * * *', '*/30 * * * *', '30 1 * * *', '30 2 * * *', '0 0 * * *', '*/20 0-3 * * *', '45 2 * * *', '0 30 2 * * *'];
    for (const zone of ZONES) {
      const pool = instants.get(zone)?.dst ?? [];
      // Every change, from 2 h before it, with a different pattern each time.
      for (let i = 0; i < pool.length; i += 12) compare(dense[(i / 12) % dense.length] as string, zone, [pool[i] as number], tally);
    }
    totals.comparisons += tally.comparisons;
    totals.fires += tally.fires;
    expect(tally.failures).toEqual([]);
  });

  it('1,500 random expressions agree (each in a random zone from a random instant)', () => {
    const r = mulberry32(SEED + 1);
    const tally: Tally = { comparisons: 0, fires: 0, failures: [] };
    for (let i = 0; i < 1500; i++) {
      const zone = pick(r, ZONES);
      compare(randomCron(r), zone, instantsFor(r, zone, 1), tally);
    }
    totals.comparisons += tally.comparisons;
    totals.fires += tally.fires;
    expect(tally.failures).toEqual([]);
  });

  it('accept and reject the same expressions', () => {
    const r = mulberry32(SEED + 2);
    const exprs = [...EDGE_PATTERNS, ...INVALID_PATTERNS];
    for (let i = 0; i < 4000; i++) exprs.push(mutateCron(r, randomCron(r)));
    let rejected = 0;
    const mismatches: string[] = [];
    for (const expr of exprs) {
      const a = !(croner(expr, 'UTC') instanceof Error);
      const mine = ours(expr);
      const b = !(mine instanceof Error);
      if (!b) rejected++;
      if (a !== b && mismatches.length < 10) mismatches.push(`${JSON.stringify(expr)}: croner ${a ? 'accepts' : 'rejects'}, ours ${b ? 'accepts' : `rejects (${(mine as Error).message})`}`);
    }
    for (const expr of INVALID_PATTERNS) expect(ours(expr), expr).toBeInstanceOf(Error);
    expect(mismatches).toEqual([]);
    // The mutations must exercise both sides.
    expect(rejected).toBeGreaterThan(exprs.length / 5);
    expect(rejected).toBeLessThan(exprs.length * 0.9);
  });

  it('reports its size', () => {
    // Visible with --reporter=verbose; a guard that the suite still compares what it claims.
    console.log(`cron-vs-croner: ${totals.comparisons} comparisons, ${totals.fires} fires compared`);
    expect(totals.comparisons).toBeGreaterThan(3500);
  });
});

describe('messages', () => {
  it('name the field and the value as written', () => {
    expect(() => parseCron('61 * * * *')).toThrow('Invalid value for minute: 61');
    expect(() => parseCron('* * 32 * *')).toThrow('Invalid value for day-of-month: 32');
    expect(() => parseCron('* * * 13 *')).toThrow('Invalid value for month: 13');
    expect(() => parseCron('* * * *')).toThrow(/expected 5, 6 or 7 fields/);
    expect(() => parseCron('2030-01-01T09:00:00')).toThrow(/date-time/);
  });
});

describe('the plain fast path', () => {
  it('compiles exactly what the general parser compiles, and fails where it fails', () => {
    const r = mulberry32(SEED + 3);
    const plainish = /^[\d*,\-/ \t]*$/;
    let checked = 0;
    for (let i = 0; i < 20000 && checked < 3000; i++) {
      const base = randomCron(r);
      const expr = i % 2 ? mutateCron(r, base) : base;
      if (!plainish.test(expr)) continue;
      checked++;
      const fast = ours(expr);
      let general: ReturnType<typeof parseCron> | Error;
      try {
        general = parseGeneral(expr);
      } catch (err) {
        general = err as Error;
      }
      expect(fast instanceof Error ? 'error' : fast, expr).toEqual(general instanceof Error ? 'error' : general);
    }
    expect(checked).toBe(3000);
  });
});
