// graphile-worker on PostgreSQL: crontab (parsedCronItems) and addJobs() with runAt.
import { EventEmitter } from 'node:events';
import { run as runWorker, makeWorkerUtils, parseCronItems, Logger } from 'graphile-worker';
import pg from 'pg';
import {
  run, FireRecorder, nextInstant, cronAt, distinctCron, nowMs, sleep, memory, observeIdle,
  procRssMB, round,
} from './lib/child.mjs';

// The configuration graphile-worker's performance page uses for its figures
// (concurrentJobs 24, maxPoolSize 25, localQueue 500, batched completion), with the
// poll interval lowered from 2 s to 0.5 s to match pg-boss's floor.
const OPTIONS = { concurrency: 24, maxPoolSize: 25, pollInterval: 500, noHandleSignals: true };
const PRESET = { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
const SETTINGS = 'concurrency 24, maxPoolSize 25, localQueue.size 500, completeJobBatchDelay 0, pollInterval 500 ms';

const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`[graphile ${level}] ${message}`);
});

async function start(p, taskList, parsedCronItems = []) {
  const events = new EventEmitter();
  const cronStarted = new Promise((r) => events.once('cron:started', r));
  const t0 = nowMs();
  const runner = await runWorker({
    ...OPTIONS, connectionString: p.pgUrl, logger: quietLogger, events, taskList, parsedCronItems, preset: PRESET,
  });
  const runMs = nowMs() - t0;
  if (parsedCronItems.length) await cronStarted;
  return { runner, events, runMs, startupMs: nowMs() - t0 };
}

function tasks(rec, waiter) {
  return {
    fire: async (payload) => {
      if (payload.warm) waiter.warm?.();
      else rec.hit(payload.i);
    },
  };
}

async function warmUp(runner, waiter) {
  const done = new Promise((r) => { waiter.warm = r; });
  await runner.addJob('fire', { warm: true });
  await Promise.race([done, sleep(10_000)]);
}

function cronItems(n, matchOf) {
  const items = new Array(n);
  for (let i = 0; i < n; i++) items[i] = { task: 'fire', match: matchOf(i), identifier: `c${i}`, payload: { i } };
  return parseCronItems(items);
}

await run({
  // K crontab items whose (daily) pattern matches the next whole minute.
  async 'lateness-cron'(p) {
    const { k, deadlineMs = 60_000 } = p;
    const T = nextInstant('minute', 5000 + k * 1);
    const pattern = cronAt(T, false);
    const rec = new FireRecorder(k);
    const waiter = {};
    const t0 = nowMs();
    const items = cronItems(k, () => pattern);
    const parseMs = nowMs() - t0;
    const { runner, events, startupMs } = await start(p, tasks(rec, waiter), items);
    let scheduledAt = null;
    events.on('cron:scheduled', () => { scheduledAt = nowMs(); });
    await warmUp(runner, waiter);
    const setupOverran = nowMs() > T - 500;
    await rec.waitAll(T + deadlineMs);
    const summary = rec.summary(T);
    await runner.stop();
    return {
      T, pattern, settings: SETTINGS, parseMs: round(parseMs, 0), startupMs: round(startupMs, 0), setupOverran,
      jobsInsertedAfterMs: scheduledAt === null ? null : round(scheduledAt - T, 1), deadlineMs, ...summary,
    };
  },

  // K one-off jobs added with runAt = the same instant.
  async 'lateness-delay'(p) {
    const { k, deadlineMs = 20_000 } = p;
    const rec = new FireRecorder(k);
    const waiter = {};
    const { runner } = await start(p, tasks(rec, waiter));
    await warmUp(runner, waiter);
    const utils = await makeWorkerUtils({ connectionString: p.pgUrl, logger: quietLogger });
    const T = nextInstant('second', 1500 + k * 0.3);
    const runAt = new Date(T);
    for (let start = 0; start < k; start += 1000) {
      const batch = [];
      for (let i = start; i < Math.min(k, start + 1000); i++) batch.push({ identifier: 'fire', payload: { i }, runAt });
      await utils.addJobs(batch);
    }
    const setupOverran = nowMs() > T - 50;
    await rec.waitAll(T + deadlineMs);
    await utils.release();
    await runner.stop();
    return { T, setupOverran, settings: SETTINGS, deadlineMs, ...rec.summary(T) };
  },

  // n no-op jobs: addJobs() in batches of 1,000 while the runner works; done when the
  // handlers have seen all n and the jobs table is empty (graphile deletes finished jobs).
  async throughput(p) {
    const { n } = p;
    let seen = 0;
    const { runner } = await start(p, { noop: async () => { seen++; } });
    const utils = await makeWorkerUtils({ connectionString: p.pgUrl, logger: quietLogger });
    const sql = new pg.Client({ connectionString: p.pgUrl });
    await sql.connect();
    const t0 = nowMs();
    for (let start = 0; start < n; start += 1000) {
      const batch = [];
      for (let i = start; i < Math.min(n, start + 1000); i++) batch.push({ identifier: 'noop', payload: { i } });
      await utils.addJobs(batch);
    }
    const enqueueMs = nowMs() - t0;
    const deadline = Date.now() + p.timeoutMs - 15_000;
    let left = -1;
    while (Date.now() < deadline) {
      if (seen >= n) {
        left = (await sql.query('select count(*)::int as c from graphile_worker._private_jobs')).rows[0].c;
        if (left === 0) break;
      }
      await sleep(5);
    }
    const totalMs = nowMs() - t0;
    await sql.end();
    await utils.release();
    await runner.stop();
    return {
      n, completed: seen, leftInTable: left, enqueueMs: round(enqueueMs, 0), totalMs: round(totalMs, 0),
      enqueuePerSec: round(n / (enqueueMs / 1000), 0), endToEndPerSec: round(seen / (totalMs / 1000), 0),
      settings: `${SETTINGS}; addJobs() of 1,000`,
    };
  },

  // A runner started with n distinct crontab items. phase 'first': a fresh database
  // (every identifier is new); phase 'restart': the same database again, where every
  // identifier is already in _private_known_crontabs.
  async 'scale-start'(p) {
    const { n, phase } = p;
    const before = memory();
    const t0 = nowMs();
    const items = cronItems(n, distinctCron);
    const parseMs = nowMs() - t0;
    const { runner, runMs, startupMs } = await start(p, { fire: async () => {} }, items);
    const totalStartMs = nowMs() - t0;
    let idleMs = 5000;
    if (phase === 'first') {
      // Watch past the next minute boundary, when the cron loop matches every item.
      const toBoundary = 60_000 - (Date.now() % 60_000);
      idleMs = toBoundary + 3000;
    }
    const idle = await observeIdle(idleMs);
    const after = memory();
    const sql = new pg.Client({ connectionString: p.pgUrl });
    await sql.connect();
    const { rows } = await sql.query(`select count(*)::int as c, pg_total_relation_size('graphile_worker._private_known_crontabs') as bytes from graphile_worker._private_known_crontabs`);
    await sql.end();
    await runner.stop();
    return {
      n, phase, knownCrontabs: rows[0].c, parseMs: round(parseMs, 0), runResolvedMs: round(runMs, 0),
      startupMs: round(totalStartMs, 0), cronRegisterMs: round(startupMs, 0), rssBeforeMB: before.rssMB, ...after, idle,
      store: `_private_known_crontabs ${round(Number(rows[0].bytes) / 1048576, 1)} MB; postgres RSS ${procRssMB(p.pgPid)} MB (postmaster)`,
      note: phase === 'restart'
        ? 'restart: each item is looked up in the known-crontabs rows with a linear search'
        : 'crontab is static: parsed in process at start, identifiers registered in the database',
    };
  },
});
