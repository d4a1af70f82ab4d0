// croner: in-process cron timers, no storage, no coordination. The floor.
import { Cron } from 'croner';
import {
  run, FireRecorder, nextInstant, cronAt, distinctCron, nowMs, sleep, memory, observeIdle, round,
} from './lib/child.mjs';

// Fire a few one-off Crons first so the measured fire path is JIT-compiled,
// as it is in a long-running process.
async function warmUp() {
  for (let i = 0; i < 300; i++) new Cron(distinctCron(i), { timezone: 'UTC' }, () => {}).stop();
  let n = 0;
  const at = new Date(Date.now() + 300);
  const jobs = Array.from({ length: 50 }, () => new Cron(at, () => { n++; }));
  await sleep(500);
  for (const j of jobs) j.stop();
  return n;
}

await run({
  // K Cron objects whose pattern matches the same upcoming second.
  async lateness({ k, leadMs = 1000, deadlineMs = 10_000 }) {
    await warmUp();
    const rec = new FireRecorder(k);
    const T = nextInstant('second', leadMs + k * 0.4);
    const pattern = cronAt(T, true);
    const t0 = nowMs();
    const jobs = [];
    for (let i = 0; i < k; i++) {
      jobs.push(new Cron(pattern, { timezone: 'UTC' }, () => rec.hit(i)));
    }
    const setupMs = nowMs() - t0;
    const setupOverran = nowMs() > T - 50;
    await rec.waitAll(T + deadlineMs);
    for (const j of jobs) j.stop();
    return { T, pattern, setupMs: round(setupMs, 1), setupOverran, ...rec.summary(T) };
  },

  // Schedule creation rate: new Cron() is synchronous, so sequential only.
  async create({ n = 10_000 }) {
    const t0 = nowMs();
    const jobs = [];
    for (let i = 0; i < n; i++) jobs.push(new Cron(distinctCron(i), { timezone: 'UTC' }, () => {}));
    const ms = nowMs() - t0;
    for (const j of jobs) j.stop();
    return { n, sequentialPerSec: round(n / (ms / 1000), 0), concurrentPerSec: null, ms: round(ms, 1), api: 'new Cron(pattern, { timezone }, fn) (synchronous)' };
  },

  // 100,000 live Cron objects in one process.
  async scale({ n = 100_000, idleMs = 10_000 }) {
    const before = memory();
    const t0 = nowMs();
    const jobs = [];
    for (let i = 0; i < n; i++) jobs.push(new Cron(distinctCron(i), { timezone: 'UTC' }, () => {}));
    const startupMs = nowMs() - t0;
    await sleep(500);
    const after = memory();
    const idle = await observeIdle(idleMs);
    const stopT0 = nowMs();
    for (const j of jobs) j.stop();
    return {
      n,
      createMs: round(startupMs, 0),
      createPerSec: round(n / (startupMs / 1000), 0),
      startupMs: round(startupMs, 0),
      note: 'building the Cron objects is the start-up; croner 11 keeps a 10,000-entry year table per pattern (~80 KB each): run with --max-old-space-size=16384',
      rssBeforeMB: before.rssMB,
      ...after,
      idle,
      stopMs: round(nowMs() - stopT0, 0),
    };
  },
});
