import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { createMetrics } from '../../src/metrics.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import { instrumentEngine } from '../../src/scheduler/metrics.ts';
import type { RunResult } from '../../src/scheduler/runner-port.ts';
import { ZERO_USAGE } from '../../src/scheduler/runner-port.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { executionsOf, insertTasks, insertUser, ok, queueRun, recordingRunner, startEngine, until } from '../support/engine.ts';

let tdb: TestDatabase;
let db: Database;
let userId: string;
const engines: Engine[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(20);
  userId = await insertUser(db);
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop(0)));
  await db.pool.query('delete from tasks');
});

afterAll(async () => {
  await tdb?.drop();
});

async function engine(run: Parameters<typeof startEngine>[1], opts: Parameters<typeof startEngine>[2] = {}) {
  const e = await startEngine(db, run, opts);
  engines.push(e);
  return e;
}

const soon = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);
const interval = (seconds: number, anchor: Date) => ({ kind: 'interval', everySeconds: seconds, anchor: anchor.toISOString() });

describe('firing', () => {
  it('fires a due task once, on time, and records it', async () => {
    const at = soon(1500);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at }]);
    const { run, calls } = recordingRunner();
    const e = await engine(run);
    const fired: number[] = [];
    e.events.on('fired', (f) => fired.push(f.latenessMs));
    await until(async () => (await executionsOf(db, taskId as string)).some((x) => x.status === 'succeeded'), 8000, 'the run');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.at).toBeGreaterThanOrEqual(at.getTime() - 5);
    expect(fired[0]).toBeLessThan(200);
    const [x] = await executionsOf(db, taskId as string);
    expect(x).toMatchObject({ status: 'succeeded', trigger: 'schedule', attempt: 1, scheduled_ms: at.getTime() });
    const { rows } = await db.pool.query(`select enabled, next_run_at, last_status from tasks where id = $1`, [taskId]);
    // a one-off disables itself after it ran
    expect(rows[0]).toMatchObject({ enabled: false, next_run_at: null, last_status: 'succeeded' });
  });

  it('counts its fires, lateness and runs on /metrics', async () => {
    const at = soon(1200);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at }]);
    const e = await engine(recordingRunner().run);
    const metrics = createMetrics();
    instrumentEngine(e, metrics);
    await until(async () => (await executionsOf(db, taskId as string)).some((x) => x.status === 'succeeded'), 8000, 'the run');
    const text = metrics.render();
    expect(text).toMatch(/tickler_fires_total\{trigger="schedule"\} 1/);
    expect(text).toMatch(/tickler_runs_total\{status="succeeded"\} 1/);
    expect(text).toMatch(/tickler_fire_lateness_seconds_count 1/);
    expect(text).toMatch(/tickler_engine_runs_in_flight 0/);
  });

  it('fires an interval on its anchored phase, every period, without drift', async () => {
    const anchor = soon(1000);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(1, new Date(anchor.getTime() - 1000)), nextRunAt: anchor, overlap: 'allow' }]);
    const { run } = recordingRunner();
    await engine(run);
    await until(async () => (await executionsOf(db, taskId as string)).filter((x) => x.status === 'succeeded').length >= 3, 8000, 'three runs');
    const xs = await executionsOf(db, taskId as string);
    const times = xs.map((x) => x.scheduled_ms).slice(0, 3);
    expect(times).toEqual([anchor.getTime(), anchor.getTime() + 1000, anchor.getTime() + 2000]);
  });

  it('runs a manual run at once, woken by a notification', async () => {
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }]);
    const { run, calls } = recordingRunner();
    await engine(run, { pollMs: 60_000 });
    const app = await startTestApp(db);
    try {
      const key = (await app.user()).apiKey;
      await db.pool.query('update tasks set user_id = (select user_id from api_keys where key_hash is not null order by id desc limit 1) where id = $1', [taskId]);
      const t0 = Date.now();
      const res = await app.request('POST', `/api/tasks/${taskId}/run`, { key });
      expect(res.status).toBe(202);
      await until(() => calls.length === 1, 3000, 'the manual run');
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(calls[0]?.trigger).toBe('manual');
      await until(async () => (await executionsOf(db, taskId as string))[0]?.status === 'succeeded', 3000, 'recorded');
    } finally {
      await app.close();
    }
  });

  it('queues 60 concurrent run-now requests of one task as 60 distinct runs, and runs each once', async () => {
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }]);
    const { run, calls } = recordingRunner();
    await engine(run, { pollMs: 60_000 });
    const app = await startTestApp(db);
    try {
      const key = (await app.user()).apiKey;
      const other = (await app.user()).apiKey;
      // overlap: allow, so all 60 run (under the default skip, runs that find another going are skipped).
      await db.pool.query(
        `update tasks set overlap = 'allow', user_id = (select user_id from api_keys where key_hash is not null order by id desc limit 1 offset 1) where id = $1`,
        [taskId],
      );
      // Another user's run-now of the same task is a 404 and queues nothing.
      expect((await app.request('POST', `/api/tasks/${taskId}/run`, { key: other })).status).toBe(404);
      const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => app.request('POST', `/api/tasks/${taskId}/run`, { key, body: { dryRun: i % 2 === 1 } })));
      expect(replies.map((r) => r.status)).toEqual(Array(60).fill(202));
      const ids = replies.map((r) => r.body.id);
      expect(new Set(ids).size).toBe(60);
      expect(replies.filter((r) => r.body.dryRun).length).toBe(30);
      for (const r of replies) expect(r.headers.get('location')).toBe(`/api/executions/${r.body.id}`);
      await until(async () => (await executionsOf(db, taskId as string)).filter((x) => x.status === 'succeeded').length === 60, 10_000, 'the 60 runs');
      expect(calls.length).toBe(60);
      const xs = await executionsOf(db, taskId as string);
      expect(xs.map((x) => x.id).sort()).toEqual([...ids].sort());
      expect(xs.every((x) => x.trigger === 'manual')).toBe(true);
      // The stored rows are what the replies said.
      const { rows } = await db.pool.query<{ id: string; dry_run: boolean }>(`select id::text as id, dry_run from executions where task_id = $1`, [taskId]);
      const dry = new Map(rows.map((r) => [r.id, r.dry_run]));
      for (const r of replies) expect(dry.get(r.body.id)).toBe(r.body.dryRun);
    } finally {
      await app.close();
    }
  });

  it('skips a fire while the previous run of the task is still going (overlap: skip)', async () => {
    const anchor = soon(800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(1, new Date(anchor.getTime() - 1000)), nextRunAt: anchor }]);
    const { run } = recordingRunner(async () => {
      await new Promise((r) => setTimeout(r, 1600));
      return ok();
    });
    await engine(run);
    await until(async () => (await executionsOf(db, taskId as string)).some((x) => x.status === 'skipped'), 8000, 'a skipped fire');
    const skipped = (await executionsOf(db, taskId as string)).find((x) => x.status === 'skipped');
    expect(skipped?.error?.type).toBe('overlap');
  });
});

describe('failures', () => {
  it('retries transient failures with backoff, each attempt its own execution', async () => {
    const at = soon(1000);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at, maxAttempts: 3 }]);
    let n = 0;
    const { run, calls } = recordingRunner(
      (): RunResult =>
        ++n < 3 ? { status: 'failed', error: { type: 'rate_limited', message: 'LLM 429' }, transient: true, usage: ZERO_USAGE } : ok('third time lucky'),
    );
    await engine(run);
    await until(async () => (await executionsOf(db, taskId as string)).some((x) => x.status === 'succeeded'), 10_000, 'the successful retry');
    const xs = await executionsOf(db, taskId as string);
    expect(xs.map((x) => [x.status, x.trigger, x.attempt])).toEqual([
      ['failed', 'schedule', 1],
      ['failed', 'retry', 2],
      ['succeeded', 'retry', 3],
    ]);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect((xs[1]?.scheduled_ms ?? 0) - (xs[0]?.scheduled_ms ?? 0)).toBeGreaterThanOrEqual(100);
  });

  it('does not retry permanent failures, and pauses a task after N consecutive failed fires', async () => {
    const anchor = soon(800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(1, new Date(anchor.getTime() - 1000)), nextRunAt: anchor, pauseAfterFailures: 2, overlap: 'allow' }]);
    const { run } = recordingRunner((): RunResult => ({ status: 'failed', error: { type: 'auth', message: 'invalid API key' }, transient: false, usage: ZERO_USAGE }));
    await engine(run);
    const row = await until(async () => {
      const { rows } = await db.pool.query(`select enabled, paused_reason, consecutive_failures from tasks where id = $1`, [taskId]);
      return rows[0]?.enabled === false ? rows[0] : null;
    }, 8000, 'the task to pause itself');
    expect(row.paused_reason).toMatch(/paused after 2 consecutive failed runs; last error: invalid API key/);
    const xs = await executionsOf(db, taskId as string);
    expect(xs.every((x) => x.trigger !== 'retry')).toBe(true);
    // nothing more fires once paused
    const count = xs.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await executionsOf(db, taskId as string)).filter((x) => x.status !== 'queued').length).toBeLessThanOrEqual(count);
  });

  it('pauses the task with the reason the runner gives (token budget)', async () => {
    const at = soon(800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(3600, new Date(at.getTime() - 3_600_000)), nextRunAt: at }]);
    await engine(recordingRunner((): RunResult => ({ status: 'failed', error: { type: 'budget', message: 'over budget' }, transient: false, usage: ZERO_USAGE, pauseTask: 'monthly token budget of 1000 spent' })).run);
    const row = await until(async () => {
      const { rows } = await db.pool.query(`select enabled, paused_reason from tasks where id = $1`, [taskId]);
      return rows[0]?.enabled === false ? rows[0] : null;
    }, 6000, 'pause');
    expect(row.paused_reason).toBe('monthly token budget of 1000 spent');
  });

  it('survives a runner that throws', async () => {
    const at = soon(800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at, maxAttempts: 1 }]);
    await engine(async () => {
      throw new Error('boom');
    });
    const x = await until(async () => (await executionsOf(db, taskId as string)).find((r) => r.status === 'failed'), 6000, 'failure');
    expect(x?.error).toEqual({ type: 'internal', message: 'the runner failed unexpectedly' });
  });
});

describe('misfires and orphans (start-up sync)', () => {
  it('coalesces many missed fires into one catch-up run within the grace period', async () => {
    const tenMinAgo = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 600_000);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '* * * * *' }, nextRunAt: tenMinAgo }]);
    const { run, calls } = recordingRunner();
    await engine(run, { env: { SCHEDULER_LOOKAHEAD_MS: '500' } });
    await until(() => calls.length >= 1, 5000, 'the catch-up run');
    const xs = await executionsOf(db, taskId as string);
    const catchup = xs.filter((x) => x.trigger === 'catchup');
    expect(catchup).toHaveLength(1);
    expect(xs.filter((x) => x.status === 'missed')).toHaveLength(0);
    const { rows } = await db.pool.query(`select (extract(epoch from next_run_at) * 1000)::float8 as next from tasks where id = $1`, [taskId]);
    expect(rows[0].next).toBeGreaterThan(Date.now() - 1000);
  });

  it('records a missed execution under the skip policy, and beyond the grace period', async () => {
    const past = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    const [skipId, lateId] = await insertTasks(db, userId, [
      { schedule: { kind: 'once', at: past.toISOString() }, nextRunAt: past, misfirePolicy: 'skip' },
      { schedule: { kind: 'once', at: past.toISOString() }, nextRunAt: past, misfireGraceSeconds: 60 },
    ]);
    const { run, calls } = recordingRunner();
    await engine(run);
    for (const id of [skipId, lateId]) {
      const xs = await executionsOf(db, id as string);
      expect(xs).toHaveLength(1);
      expect(xs[0]).toMatchObject({ status: 'missed', scheduled_ms: past.getTime() });
      expect(xs[0]?.error?.message).toMatch(/missed 1 fire/);
    }
    expect(calls).toHaveLength(0);
  });

  it('marks a run whose owner died interrupted and retries it', async () => {
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }]);
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, owner, lease_until, started_at)
       values ($1, $2, 'running', 'schedule', 1, now() - interval '1 minute', 'dead-host:1:abc', now() - interval '10 seconds', now() - interval '1 minute')`,
      [taskId, userId],
    );
    const { run, calls } = recordingRunner();
    await engine(run);
    await until(() => calls.length === 1, 5000, 'the retry');
    const xs = await executionsOf(db, taskId as string);
    expect(xs[0]).toMatchObject({ status: 'interrupted' });
    expect(xs[0]?.error?.type).toBe('interrupted');
    expect(xs[1]).toMatchObject({ trigger: 'retry', attempt: 2 });
  });
});

describe('changes take effect without a restart', () => {
  let app: TestApp;
  let key: string;
  beforeAll(async () => {
    app = await startTestApp(db, { env: { MIN_INTERVAL_SECONDS: '1' } });
    key = (await app.user()).apiKey;
  });
  afterAll(async () => app.close());

  it('fires a task created through the API within its second', async () => {
    const { run, calls } = recordingRunner();
    await engine(run, { pollMs: 60_000 });
    const at = soon(1200);
    const res = await app.request('POST', '/api/tasks', { key, body: { name: 'x', schedule: { at: at.toISOString() } } });
    expect(res.status).toBe(201);
    await until(() => calls.length === 1, 4000, 'the fire');
    expect((calls[0]?.at ?? 0) - at.getTime()).toBeLessThan(300);
  });

  it('drops claimed fires on pause, and fires again after resume', async () => {
    const { run, calls } = recordingRunner();
    const e = await engine(run, { pollMs: 60_000 });
    const at = soon(1500);
    const created = await app.request('POST', '/api/tasks', { key, body: { name: 'p', schedule: { at: at.toISOString() } } });
    await until(() => e.stats().held === 1, 2000, 'the claim');
    const dropped = new Promise((r) => e.events.once('dropped', r));
    await app.request('POST', `/api/tasks/${created.body.id}/pause`, { key });
    await dropped;
    expect(e.stats().held).toBe(0);
    await new Promise((r) => setTimeout(r, Math.max(0, at.getTime() - Date.now()) + 300));
    expect(calls).toHaveLength(0);
    expect(await executionsOf(db, created.body.id)).toHaveLength(0);
  });

  it('moves a claimed fire when the task is rescheduled, and drops it on delete', async () => {
    const { run, calls } = recordingRunner();
    const e = await engine(run, { pollMs: 60_000 });
    const first = soon(1500);
    const t = await app.request('POST', '/api/tasks', { key, body: { name: 'r', schedule: { every: 3600 } } });
    await app.request('PATCH', `/api/tasks/${t.body.id}`, { key, body: { schedule: { at: first.toISOString() } } });
    await until(() => e.stats().held === 1, 2000, 'the claim');
    const later = new Date(first.getTime() + 1000);
    const moved = await app.request('PATCH', `/api/tasks/${t.body.id}`, { key, body: { schedule: { at: later.toISOString() } } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await until(() => calls.length === 1, 5000, 'the rescheduled fire');
    expect(calls[0]?.at).toBeGreaterThanOrEqual(later.getTime() - 5);
    const xs = await executionsOf(db, t.body.id);
    expect(xs.map((x) => x.scheduled_ms)).toEqual([later.getTime()]);

    const d = await app.request('POST', '/api/tasks', { key, body: { name: 'd', schedule: { at: soon(1500).toISOString() } } });
    await until(() => e.stats().held === 1, 2000, 'the claim');
    await app.request('DELETE', `/api/tasks/${d.body.id}`, { key });
    await until(() => e.stats().held === 0, 2000, 'the drop');
  });

  it('aborts a running execution on cancel and keeps it cancelled', async () => {
    let aborted = false;
    const { run, calls } = recordingRunner(
      (req) =>
        new Promise<RunResult>((resolve) => {
          req.signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ status: 'aborted', usage: ZERO_USAGE });
          });
        }),
    );
    await engine(run, { pollMs: 60_000 });
    const t = await app.request('POST', '/api/tasks', { key, body: { name: 'c', schedule: { every: 3600 } } });
    const x = await app.request('POST', `/api/tasks/${t.body.id}/run`, { key });
    await until(() => calls.length === 1, 3000, 'the run');
    await until(async () => (await app.request('GET', `/api/executions/${x.body.id}`, { key })).body.status === 'running', 3000, 'running');
    const c = await app.request('POST', `/api/executions/${x.body.id}/cancel`, { key });
    expect(c.body.status).toBe('cancelled');
    await until(() => aborted, 2000, 'the abort');
    await new Promise((r) => setTimeout(r, 200));
    expect((await app.request('GET', `/api/executions/${x.body.id}`, { key })).body.status).toBe('cancelled');
  });

  it('reports status: instances, due soon, running, lag', async () => {
    await engine(recordingRunner().run);
    const s = await app.request('GET', '/api/scheduler/status', { key });
    expect(s.status).toBe(200);
    expect(s.body.instances.length).toBeGreaterThanOrEqual(1);
    expect(s.body).toMatchObject({ dueNextMinute: expect.any(Number), running: expect.any(Number), queued: expect.any(Number) });
  });
});

describe('several engines', () => {
  it('fires 500 simultaneous tasks exactly once across three engines', async () => {
    const at = soon(2500);
    const ids = await insertTasks(
      db,
      userId,
      Array.from({ length: 500 }, () => ({ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at })),
    );
    const { run, calls } = recordingRunner();
    const es = await Promise.all([engine(run), engine(run), engine(run)]);
    await until(async () => {
      const { rows } = await db.pool.query(`select count(*)::int as n from executions where status = 'succeeded' and task_id = any($1::bigint[])`, [ids]);
      return rows[0].n === 500;
    }, 15_000, 'all 500 runs');
    expect(calls).toHaveLength(500);
    expect(new Set(calls.map((c) => c.taskId)).size).toBe(500);
    const { rows } = await db.pool.query(`select count(*)::int as n, count(distinct owner)::int as owners from executions where task_id = any($1::bigint[])`, [ids]);
    expect(rows[0].n).toBe(500);
    expect(rows[0].owners).toBeGreaterThanOrEqual(1);
    void es;
  });

  it('hands fires over on graceful shutdown: released runs are retried elsewhere', async () => {
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }]);
    let first = true;
    const slow = recordingRunner(
      (req) =>
        new Promise<RunResult>((resolve) => {
          if (!first) return resolve(ok());
          first = false;
          req.signal.addEventListener('abort', () => resolve({ status: 'aborted', usage: ZERO_USAGE }));
        }),
    );
    const a = await startEngine(db, slow.run);
    await queueRun(db, taskId as string, userId);
    await until(() => slow.calls.length === 1, 3000, 'the first run');
    const b = await engine(slow.run);
    await a.stop(100);
    await until(() => slow.calls.length === 2, 5000, 'the retry on the other engine');
    const xs = await until(async () => {
      const r = await executionsOf(db, taskId as string);
      return r.some((x) => x.status === 'succeeded') ? r : undefined;
    }, 5000, 'recorded');
    expect(xs?.map((x) => [x.status, x.trigger])).toEqual([
      ['interrupted', 'manual'],
      ['succeeded', 'retry'],
    ]);
    expect(xs?.[0]?.error?.type).toBe('released');
  });
});
