// Where a single create's time goes below the API: one caller inserting tasks one at a time through
// the store's one-statement insert, with and without a durable commit and the tasks triggers (the
// events log, task counts), beside a plain one-row insert and the API's task writer. The floor a
// "one caller awaiting each POST /api/tasks" figure can reach on this machine.
//   npx node bench/create-floor.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalUser } from '../src/api/auth.ts';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { createTaskWriter } from '../src/models/task-writer.ts';
import { systemClock } from '../src/clock.ts';
import { insertTasksAtOnce } from '../src/store/tasks.ts';
const logger = createLogger('warn', false);
const server = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'cp-')), logger });
const db = await openDatabase({ url: server.url, logger, migrate: true, poolSize: 4 });
const userId = await ensureLocalUser(db.pool);
const fields = (i: number) => ({ userId, name: `t${i}`, prompt: 'x', schedule: { kind: 'cron', cron: '0 9 * * *', timezone: 'UTC' }, timezone: 'UTC', enabled: true, tools: [], maxAttempts: 3, misfirePolicy: 'run_once', misfireGraceSeconds: 3600, overlap: 'skip', startAt: null, endAt: null, nextRunAt: new Date(Date.now() + 86400000), model: null, webhookUrl: null, webhookSecret: null, monthlyTokenBudget: null }) as never;
const N = Number(process.argv[2] ?? 2000);
let t0 = performance.now();
for (let i = 0; i < N; i++) await insertTasksAtOnce(db.pool, [fields(i)], new Date(), { maxTasks: 1e9, channel: 'x', payload: {} });
console.log('insertTasksAtOnce sequential', Math.round(N / ((performance.now() - t0) / 1000)), '/s');
t0 = performance.now();
for (let i = 0; i < N; i++) await db.pool.query('insert into events (user_id, type, data) values ($1, $2, $3)', [userId, 'probe', '{}']);
console.log('plain insert into events sequential', Math.round(N / ((performance.now() - t0) / 1000)), '/s');
const c = await db.pool.connect();
await c.query('set synchronous_commit = off');
t0 = performance.now();
for (let i = 0; i < N; i++) await insertTasksAtOnce(c, [fields(i)], new Date(), { maxTasks: 1e9, channel: 'x', payload: {} });
console.log('insertTasksAtOnce, synchronous_commit off', Math.round(N / ((performance.now() - t0) / 1000)), '/s');
await c.query('alter table tasks disable trigger user');
t0 = performance.now();
for (let i = 0; i < N; i++) await insertTasksAtOnce(c, [fields(i)], new Date(), { maxTasks: 1e9, channel: 'x', payload: {} });
console.log('insertTasksAtOnce, sync off, no triggers', Math.round(N / ((performance.now() - t0) / 1000)), '/s');
await c.query('alter table tasks enable trigger user');
await c.query('set synchronous_commit = on');
await c.query('alter table tasks disable trigger user');
t0 = performance.now();
for (let i = 0; i < N; i++) await insertTasksAtOnce(c, [fields(i)], new Date(), { maxTasks: 1e9, channel: 'x', payload: {} });
console.log('insertTasksAtOnce, sync on, no triggers', Math.round(N / ((performance.now() - t0) / 1000)), '/s');
await c.query('alter table tasks enable trigger user');
c.release();
const w = createTaskWriter({ pool: db.pool, maxTasks: 1e9, logger, clock: systemClock });
t0 = performance.now();
for (let i = 0; i < N; i++) await w.create({ fields: fields(i) });
console.log('writer.create sequential', Math.round(N / ((performance.now() - t0) / 1000)), '/s');
await db.close();
await server.stop();
