// BullMQ on a local redis-server: job schedulers (cron) and plain delayed / immediate jobs.
import { Queue, Worker } from 'bullmq';
import { Redis as IORedis } from 'ioredis';
import {
  run, FireRecorder, nextInstant, cronAt, distinctCron, nowMs, sleep, memory, observeIdle,
  inParallel, procRssMB, round,
} from './lib/child.mjs';

const CONCURRENCY = 100; // worker concurrency used in every BullMQ test
const SETTINGS = `Worker concurrency ${CONCURRENCY}, defaults otherwise`;

// BullMQ 6 wants a constructed client under ESM; every Queue and Worker gets its own.
function connection(p) {
  return new IORedis({ host: p.redis.host, port: p.redis.port, maxRetriesPerRequest: null });
}

// A separate plain client for FLUSHALL, INFO and CONFIG.
let admin = null;
async function openQueue(p, name) {
  admin ??= connection(p);
  if (p.redis.flush) await admin.flushall();
  // redis-server checks blocked clients' timeouts on its hz timer (default 10 per second);
  // the 'hz100' variant raises it for this test only and puts it back afterwards.
  await admin.config('SET', 'hz', String(p.variant === 'hz100' ? 100 : 10));
  const queue = new Queue(name, { connection: connection(p) });
  await queue.waitUntilReady();
  return queue;
}

function openWorker(p, name, onJob) {
  const worker = new Worker(name, async (job) => onJob(job), {
    connection: connection(p),
    concurrency: CONCURRENCY,
  });
  worker.on('error', (e) => console.error('worker error', e.message));
  return worker;
}

async function redisMemory(queue, pid) {
  const info = await admin.info('memory');
  const used = Number((info.match(/used_memory:(\d+)/) || [])[1]);
  return { redisUsedMB: round(used / 1048576, 1), redisRssMB: procRssMB(pid) };
}

// One warm-up delayed job through the same worker, so the fire path is JIT-compiled.
async function warmUp(queue) {
  const done = new Promise((r) => queue.once('warm', r));
  await queue.add('warm', { warm: true }, { delay: 200 });
  return done;
}

await run({
  // K job schedulers whose (daily, 6-field) cron matches the same upcoming second.
  async 'lateness-cron'(p) {
    const { k, deadlineMs = 20_000 } = p;
    const queue = await openQueue(p, 'lat');
    const rec = new FireRecorder(k);
    const worker = openWorker(p, 'lat', (job) => {
      if (job.data.warm) return queue.emit('warm');
      rec.hit(job.data.i);
    });
    await worker.waitUntilReady();
    await warmUp(queue);
    const T = nextInstant('second', 1500 + k * 0.5);
    const pattern = cronAt(T, true);
    const t0 = nowMs();
    await inParallel(k, 16, (i) => queue.upsertJobScheduler(`s${i}`, { pattern, tz: 'UTC' }, { name: 'fire', data: { i } }));
    const createMs = nowMs() - t0;
    const setupOverran = nowMs() > T - 50;
    await rec.waitAll(T + deadlineMs);
    await worker.close(true);
    await queue.close();
    return { T, pattern, createPerSec: round(k / (createMs / 1000), 0), setupOverran, settings: SETTINGS, deadlineMs, ...rec.summary(T) };
  },

  // K one-off jobs added with a delay that makes them all due at the same instant.
  async 'lateness-delay'(p) {
    const { k, deadlineMs = 20_000 } = p;
    const queue = await openQueue(p, 'lat');
    const rec = new FireRecorder(k);
    const worker = openWorker(p, 'lat', (job) => {
      if (job.data.warm) return queue.emit('warm');
      rec.hit(job.data.i);
    });
    await worker.waitUntilReady();
    await warmUp(queue);
    const T = nextInstant('second', 1000 + k * 0.2);
    for (let start = 0; start < k; start += 1000) {
      const delay = T - Date.now();
      const batch = [];
      for (let i = start; i < Math.min(k, start + 1000); i++) batch.push({ name: 'fire', data: { i }, opts: { delay } });
      await queue.addBulk(batch);
    }
    const setupOverran = nowMs() > T - 50;
    await rec.waitAll(T + deadlineMs);
    await worker.close(true);
    await queue.close();
    return { T, setupOverran, settings: SETTINGS, deadlineMs, ...rec.summary(T) };
  },

  // n no-op jobs: enqueue with addBulk while the worker runs; done when n 'completed' events arrived.
  async throughput(p) {
    const { n } = p;
    const queue = await openQueue(p, 'tp');
    let completed = 0;
    let resolveDone;
    const done = new Promise((r) => { resolveDone = r; });
    const worker = openWorker(p, 'tp', () => {});
    worker.on('completed', () => { if (++completed === n) resolveDone(); });
    await worker.waitUntilReady();
    const t0 = nowMs();
    for (let start = 0; start < n; start += 1000) {
      const batch = [];
      for (let i = start; i < Math.min(n, start + 1000); i++) batch.push({ name: 'noop', data: { i } });
      await queue.addBulk(batch);
    }
    const enqueueMs = nowMs() - t0;
    await Promise.race([done, sleep(p.timeoutMs - 10_000)]);
    const totalMs = nowMs() - t0;
    await worker.close(true);
    await queue.close();
    return {
      n, completed, enqueueMs: round(enqueueMs, 0), totalMs: round(totalMs, 0),
      enqueuePerSec: round(n / (enqueueMs / 1000), 0), endToEndPerSec: round(completed / (totalMs / 1000), 0),
      settings: `${SETTINGS}; addBulk of 1,000`,
    };
  },

  // Job scheduler upserts: one caller awaiting each, then 16 in flight.
  async create(p) {
    const { n } = p;
    const queue = await openQueue(p, 'cr');
    const seqN = Math.min(2000, n);
    let t0 = nowMs();
    for (let i = 0; i < seqN; i++) await queue.upsertJobScheduler(`a${i}`, { pattern: distinctCron(i), tz: 'UTC' }, { name: 'x', data: { i } });
    const seqMs = nowMs() - t0;
    t0 = nowMs();
    await inParallel(n, 16, (i) => queue.upsertJobScheduler(`b${i}`, { pattern: distinctCron(i), tz: 'UTC' }, { name: 'x', data: { i } }));
    const concMs = nowMs() - t0;
    const count = await queue.getJobSchedulersCount();
    await queue.close();
    return {
      n, count, sequentialPerSec: round(seqN / (seqMs / 1000), 0), concurrentPerSec: round(n / (concMs / 1000), 0),
      api: 'queue.upsertJobScheduler(id, { pattern, tz }, template)',
    };
  },

  async 'scale-create'(p) {
    const { n } = p;
    const queue = await openQueue(p, 'scale');
    const t0 = nowMs();
    await inParallel(n, 64, (i) => queue.upsertJobScheduler(`s${i}`, { pattern: distinctCron(i), tz: 'UTC' }, { name: 'x', data: { i } }));
    const createMs = nowMs() - t0;
    const count = await queue.getJobSchedulersCount();
    const mem = await redisMemory(queue, p.redis.pid);
    await queue.close();
    return { n, count, createMs: round(createMs, 0), createPerSec: round(n / (createMs / 1000), 0), ...mem };
  },

  // A fresh process opening a queue + worker over the n schedulers left in Redis.
  async 'scale-start'(p) {
    const { n } = p;
    const before = memory();
    admin = connection(p);
    const t0 = nowMs();
    const queue = new Queue('scale', { connection: connection(p) });
    const worker = openWorker(p, 'scale', () => {});
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    const startupMs = nowMs() - t0;
    const count = await queue.getJobSchedulersCount();
    const idle = await observeIdle(p.idleMs ?? 10_000);
    const after = memory();
    const mem = await redisMemory(queue, p.redis.pid);
    await worker.close(true);
    await queue.close();
    return {
      n, count, startupMs: round(startupMs, 0), rssBeforeMB: before.rssMB, ...after, idle, ...mem,
      store: `redis used_memory ${mem.redisUsedMB} MB, redis-server RSS ${mem.redisRssMB} MB`,
      note: 'schedulers live in Redis; the worker loads none of them at start',
    };
  },
});
