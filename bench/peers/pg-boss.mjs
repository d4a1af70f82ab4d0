// pg-boss on PostgreSQL: schedule() (cron) and plain send()/insert() + work().
import { PgBoss } from 'pg-boss';
import pg from 'pg';
import {
  run, FireRecorder, nextInstant, cronAt, distinctCron, nowMs, sleep, memory, observeIdle,
  inParallel, procRssMB, round,
} from './lib/child.mjs';

// Worker settings for every test: fetch up to 100 jobs a time, keep fetching while
// batches come back full, two fetch loops, and the fastest poll pg-boss accepts (0.5 s).
// pg-boss's own defaults (batchSize 1, a 2 s wait after every fetch) complete about one
// job per 2 s per worker, which no K here could finish under.
// notifyPollingIntervalSeconds: on a notify queue the poll otherwise drops to every 30 s,
// and NOTIFY is sent when a job is inserted, not when a deferred one comes due.
const WORK = { batchSize: 100, burstWhenBatchFull: true, localConcurrency: 2, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 };
const SETTINGS = 'work({ batchSize: 100, burstWhenBatchFull, localConcurrency: 2, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 }), useListenNotify + queue notify';

const VARIANTS = {
  // The fastest cron cadence pg-boss accepts (each must be >= 1 s), LISTEN/NOTIFY on.
  tuned: {
    boss: { cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1, useListenNotify: true },
    queue: { notify: true },
    work: WORK,
  },
  // pg-boss defaults for everything that decides when a schedule is noticed:
  // cron pass every 30 s, forwarding worker every 5 s, target worker poll 2 s, no NOTIFY.
  default: {
    boss: {},
    queue: {},
    work: { batchSize: 100, burstWhenBatchFull: true, localConcurrency: 2 },
  },
};

async function openBoss(p, bossOpts = { useListenNotify: true }) {
  const boss = new PgBoss({ connectionString: p.pgUrl, ...bossOpts });
  boss.on('error', (e) => console.error('pg-boss error', e?.message ?? e));
  const t0 = nowMs();
  await boss.start();
  return { boss, startMs: nowMs() - t0 };
}

// One job through the worker first, so the fetch/handler path is warm.
async function warmUp(boss, name, waiter) {
  const done = new Promise((r) => { waiter.warm = r; });
  await boss.send(name, { warm: true });
  await Promise.race([done, sleep(10_000)]);
}

function handler(rec, waiter) {
  return async (jobs) => {
    for (const job of jobs) {
      if (job.data?.warm) waiter.warm?.();
      else rec.hit(job.data.i);
    }
  };
}

function projection(rec, T) {
  if (rec.count >= rec.k || rec.count < 2) return null;
  const s = rec.summary(T).latenessMs;
  return round(s.min + ((rec.k - 1) * (s.max - s.min)) / (rec.count - 1), 0);
}

await run({
  // K schedules whose (daily, 5-field) cron matches the next whole minute.
  async 'lateness-cron'(p) {
    const { k, capMs } = p;
    const v = VARIANTS[p.variant ?? 'tuned'];
    const T = nextInstant('minute', 4000 + k * 1.5);
    const pattern = cronAt(T, false);
    const { boss, startMs } = await openBoss(p, v.boss);
    const bossStartedAt = Date.now();
    await boss.createQueue('lat', v.queue);
    const rec = new FireRecorder(k);
    const waiter = {};
    await boss.work('lat', v.work, handler(rec, waiter));
    await warmUp(boss, 'lat', waiter);
    const t0 = nowMs();
    await inParallel(k, 16, (i) => boss.schedule('lat', pattern, { i }, { key: `k${i}`, tz: 'UTC' }));
    const createMs = nowMs() - t0;
    const setupOverran = nowMs() > T - 500;
    await rec.waitAll(T + capMs);
    const summary = rec.summary(T);
    await boss.stop({ graceful: false, timeout: 2000 });
    return {
      T, pattern, variant: p.variant, settings: JSON.stringify(v.boss) + ' ' + JSON.stringify(v.work),
      bossStartMs: round(startMs, 0), bossStartedSecondsBeforeT: round((T - bossStartedAt) / 1000, 1),
      createPerSec: round(k / (createMs / 1000), 0), setupOverran, capMs,
      projectedAllMs: projection(rec, T), ...summary,
    };
  },

  // K one-off jobs inserted with startAfter = the same instant.
  async 'lateness-delay'(p) {
    const { k, deadlineMs = 20_000 } = p;
    const { boss } = await openBoss(p);
    await boss.createQueue('lat', { notify: true });
    const rec = new FireRecorder(k);
    const waiter = {};
    await boss.work('lat', WORK, handler(rec, waiter));
    await warmUp(boss, 'lat', waiter);
    const T = nextInstant('second', 1500 + k * 0.5);
    const startAfter = new Date(T);
    for (let start = 0; start < k; start += 1000) {
      const batch = [];
      for (let i = start; i < Math.min(k, start + 1000); i++) batch.push({ data: { i }, startAfter });
      await boss.insert('lat', batch);
    }
    const setupOverran = nowMs() > T - 50;
    await rec.waitAll(T + deadlineMs);
    await boss.stop({ graceful: false, timeout: 2000 });
    return { T, setupOverran, settings: SETTINGS, deadlineMs, ...rec.summary(T) };
  },

  // n no-op jobs: insert() in batches of 1,000 while the workers run; done when the
  // handlers have seen all n and no job of the queue is left below 'completed'.
  async throughput(p) {
    const { n } = p;
    const { boss } = await openBoss(p);
    await boss.createQueue('tp', { notify: true });
    const sql = new pg.Client({ connectionString: p.pgUrl });
    await sql.connect();
    let seen = 0;
    await boss.work('tp', WORK, async (jobs) => { seen += jobs.length; });
    const t0 = nowMs();
    for (let start = 0; start < n; start += 1000) {
      const batch = [];
      for (let i = start; i < Math.min(n, start + 1000); i++) batch.push({ data: { i } });
      await boss.insert('tp', batch);
    }
    const enqueueMs = nowMs() - t0;
    const deadline = Date.now() + p.timeoutMs - 15_000;
    while (Date.now() < deadline) {
      if (seen >= n) {
        const { rows } = await sql.query(`select count(*)::int as c from pgboss.job where name = 'tp' and state < 'completed'`);
        if (rows[0].c === 0) break;
      }
      await sleep(5);
    }
    const totalMs = nowMs() - t0;
    const { rows } = await sql.query(`select count(*)::int as c from pgboss.job where name = 'tp' and state = 'completed'`);
    await sql.end();
    await boss.stop({ graceful: false, timeout: 2000 });
    return {
      n, completed: rows[0].c, enqueueMs: round(enqueueMs, 0), totalMs: round(totalMs, 0),
      enqueuePerSec: round(n / (enqueueMs / 1000), 0), endToEndPerSec: round(rows[0].c / (totalMs / 1000), 0),
      settings: `${SETTINGS}; insert() of 1,000`,
    };
  },

  async create(p) {
    const { n } = p;
    const { boss } = await openBoss(p, {});
    await boss.createQueue('cr');
    const seqN = Math.min(2000, n);
    let t0 = nowMs();
    for (let i = 0; i < seqN; i++) await boss.schedule('cr', distinctCron(i), { i }, { key: `a${i}`, tz: 'UTC' });
    const seqMs = nowMs() - t0;
    t0 = nowMs();
    await inParallel(n, 16, (i) => boss.schedule('cr', distinctCron(i), { i }, { key: `b${i}`, tz: 'UTC' }));
    const concMs = nowMs() - t0;
    await boss.stop({ graceful: false, timeout: 2000 });
    return {
      n, sequentialPerSec: round(seqN / (seqMs / 1000), 0), concurrentPerSec: round(n / (concMs / 1000), 0),
      api: "boss.schedule(queue, cron, data, { key, tz })",
    };
  },

  async 'scale-create'(p) {
    const { n } = p;
    const { boss } = await openBoss(p, {});
    await boss.createQueue('scale');
    const t0 = nowMs();
    await inParallel(n, 32, (i) => boss.schedule('scale', distinctCron(i), { i }, { key: `s${i}`, tz: 'UTC' }));
    const createMs = nowMs() - t0;
    await boss.stop({ graceful: false, timeout: 2000 });
    return { n, createMs: round(createMs, 0), createPerSec: round(n / (createMs / 1000), 0) };
  },

  // A fresh process starting pg-boss (defaults) over n stored schedules, watched for
  // 35 s so that the window holds the first cron pass and the one 30 s later.
  async 'scale-start'(p) {
    const { n } = p;
    const before = memory();
    const { boss, startMs } = await openBoss(p, {});
    const idle = await observeIdle(p.idleMs ?? 35_000);
    const after = memory();
    const sql = new pg.Client({ connectionString: p.pgUrl });
    await sql.connect();
    const { rows } = await sql.query(`select count(*)::int as c, pg_total_relation_size('pgboss.schedule') as bytes from pgboss.schedule`);
    await sql.end();
    await boss.stop({ graceful: false, timeout: 2000 });
    const tableMB = round(Number(rows[0].bytes) / 1048576, 1);
    return {
      n, count: rows[0].c, startupMs: round(startMs, 0), rssBeforeMB: before.rssMB, ...after, idle,
      store: `pgboss.schedule ${tableMB} MB; postgres RSS ${procRssMB(p.pgPid)} MB (postmaster)`,
      note: 'every cron pass (30 s) reads all schedules and evaluates each with cron-parser',
    };
  },
});
