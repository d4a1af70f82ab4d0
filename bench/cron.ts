/**
 * Cron evaluation cost, ours (src/scheduler/cron.ts) against croner 11, on distinct weekly patterns
 * "M H * * <weekday set>" like ../shared/peer-bench's scale test (every pattern is new, so nothing
 * is shared between them).
 *
 *   node bench/cron.ts [zone]          (re-runs itself with --expose-gc to measure heap)
 *
 * Reports, per distinct pattern: parse + first nextRun; per call: nextRun on a compiled pattern;
 * bytes per compiled pattern (heap delta after GC / count); and the engine's two budgets: start-up
 * sync of 100,000 distinct past-due patterns (≤ 10 s) and a 10,000-fire claim (event-loop stall).
 */

import { spawnSync } from 'node:child_process';
import { Cron } from 'croner';
import { cronNext, parseCron } from '../src/scheduler/cron.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const zone = process.argv[2] ?? 'Europe/Paris';
const N = 10_000;
const now = new Date('2026-11-25T11:27:00.000Z');

/** Distinct "M H * * days" for i < 182,880 (60 minutes × 24 hours × 127 non-empty weekday sets). */
function distinct(i: number): string {
  const minute = i % 60;
  const hour = Math.floor(i / 60) % 24;
  const set = Math.floor(i / 1440) + 1;
  const days: number[] = [];
  for (let d = 0; d < 7; d++) if (set & (1 << d)) days.push(d);
  return `${minute} ${hour} * * ${days.join(',')}`;
}

const patterns = Array.from({ length: N }, (_, i) => distinct(i));

/** Median of three timed runs (ms), each after a full GC so one side's garbage is not billed to the other. */
function time(fn: () => void): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    gc?.();
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  return runs.sort((x, y) => x - y)[1] as number;
}

/** One timed run after a GC: for the engine budgets, which are one-shot by nature. */
function once(fn: () => void): number {
  gc?.();
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function heapPer(count: number, build: () => unknown[]): number {
  gc?.();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = build();
  gc?.();
  gc?.();
  const after = process.memoryUsage().heapUsed;
  if (kept.length !== count) throw new Error('lost objects');
  return (after - before) / count;
}

// Warm up both (JIT, Intl formatters, our zone table) on patterns outside the measured set
// (with a seconds field), as a long-running engine would be.
for (let i = 0; i < 20_000; i++) cronNext(parseCron(`${i % 60} ${distinct(i)}`), zone, now);
for (let i = 0; i < 300; i++) new Cron(`${i % 60} ${distinct(i)}`, { timezone: zone, paused: true }).nextRun(now);

// 1. parse + first nextRun of a distinct pattern.
let sink = 0;
const oursFirst = time(() => {
  for (const p of patterns) sink += cronNext(parseCron(p), zone, now)?.getTime() ?? 0;
});
const CRONER_N = 2000; // croner is slow and heavy; a subset gives a stable per-pattern figure
const cronerFirst = time(() => {
  for (let i = 0; i < CRONER_N; i++) sink += new Cron(patterns[i] as string, { timezone: zone, paused: true }).nextRun(now)?.getTime() ?? 0;
});

// 2. nextRun per call on already compiled patterns, chaining from each previous fire.
const compiled = patterns.map(parseCron);
const CALLS = 5;
const oursNext = time(() => {
  for (const c of compiled) {
    let t: Date | null = now;
    for (let k = 0; k < CALLS && t; k++) t = cronNext(c, zone, t);
    sink += t?.getTime() ?? 0;
  }
});
const crons = patterns.slice(0, 500).map((p) => new Cron(p, { timezone: zone, paused: true }));
const cronerNext = time(() => {
  for (const c of crons) {
    let t: Date | null = now;
    for (let k = 0; k < CALLS && t; k++) t = c.nextRun(t);
    sink += t?.getTime() ?? 0;
  }
});

// 3. Bytes per compiled pattern.
const oursBytes = heapPer(N, () => patterns.map(parseCron));
const cronerBytes = heapPer(200, () => patterns.slice(0, 200).map((p) => new Cron(p, { timezone: zone, paused: true })));

// 4. The engine's budgets.
const big = Array.from({ length: 100_000 }, (_, i) => distinct(i));
const startup = once(() => {
  for (const p of big) sink += cronNext(parseCron(p), zone, now)?.getTime() ?? 0;
});
const claim = time(() => {
  for (let i = 0; i < 10_000; i++) sink += cronNext(compiled[i % N] as ReturnType<typeof parseCron>, zone, now)?.getTime() ?? 0;
});

const us = (ms: number, n: number) => ((ms * 1000) / n).toFixed(2).padStart(9);
console.log(`cron bench — ${N.toLocaleString('en')} distinct "M H * * <days>" patterns in ${zone}, Node ${process.version}\n`);
console.log('                                        ours      croner    ratio');
console.log(`parse + first nextRun (µs/pattern)  ${us(oursFirst, N)}  ${us(cronerFirst, CRONER_N)}  ${((cronerFirst / CRONER_N) / (oursFirst / N)).toFixed(0).padStart(6)}×`);
console.log(`nextRun, compiled (µs/call)         ${us(oursNext, N * CALLS)}  ${us(cronerNext, 500 * CALLS)}  ${((cronerNext / (500 * CALLS)) / (oursNext / (N * CALLS))).toFixed(0).padStart(6)}×`);
console.log(`heap per compiled pattern (bytes)   ${oursBytes.toFixed(0).padStart(9)}  ${cronerBytes.toFixed(0).padStart(9)}  ${(cronerBytes / oursBytes).toFixed(0).padStart(6)}×`);
console.log(`\nstart-up sync, 100,000 distinct patterns (parse + nextRun): ${startup.toFixed(0)} ms (budget 10,000 ms)`);
console.log(`claim of 10,000 fires (nextRun on cached compiled crons):  ${claim.toFixed(1)} ms of event-loop time`);
if (sink === 42) console.log(''); // keeps the work observable
