import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { createMetrics } from '../../src/metrics.ts';
import type { ClaimedFire } from '../../src/scheduler/claim.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import { instrumentEngine } from '../../src/scheduler/metrics.ts';
import type { RunResult } from '../../src/scheduler/runner-port.ts';
import { ZERO_USAGE } from '../../src/scheduler/runner-port.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  advanceEngineTo,
  createTestEngine,
  executionsOf,
  followClaims,
  insertTasks,
  insertUser,
  nextEvent,
  ok,
  queueRun,
  recordedFinishes,
  recordingRunner,
  startEngine,
} from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

// Every engine here runs on a manual clock: a test moves it past an instant and awaits the event
// the engine emits, never a sleep. The database's now() is real, so fires are placed within the
// look-ahead window of the real time at start (they are claimed at once) and time moves only for
// the engine's timers.

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

/** An instant `ms` after the clock's now, on a whole millisecond (as the database stores it). */
const soon = (clock: ManualClock, ms: number) => new Date(clock.now().getTime() + ms);
const interval = (seconds: number, anchor: Date) => ({ kind: 'interval', everySeconds: seconds, anchor: anchor.toISOString() });

describe('firing', () => {
  it('fires a due task once, on time, and records it', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 1500);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at }]);
    const { run, calls } = recordingRunner(undefined, clock);
    const e = await engine(run, { clock });
    expect(e.stats().held).toBe(1);
    const fired = nextEvent(e, 'fired');
    const recorded = recordedFinishes(e, 1);
    await advanceEngineTo(clock, e, at.getTime() - 1);
    expect(calls).toHaveLength(0);
    await advanceEngineTo(clock, e, at);
    const [f] = await fired;
    await recorded;
    expect(calls).toHaveLength(1);
    expect(Math.abs(f.startedAt - at.getTime())).toBeLessThan(1);
    expect(Math.abs(f.latenessMs)).toBeLessThan(1);
    const [x] = await executionsOf(db, taskId as string);
    expect(x).toMatchObject({ status: 'succeeded', trigger: 'schedule', attempt: 1, scheduled_ms: at.getTime() });
    const { rows } = await db.pool.query(`select enabled, next_run_at, last_status from tasks where id = $1`, [taskId]);
    // a one-off disables itself after it ran
    expect(rows[0]).toMatchObject({ enabled: false, next_run_at: null, last_status: 'succeeded' });
  });

  it('counts its fires, lateness and runs on /metrics', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 1200);
    await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at }]);
    const e = await engine(recordingRunner().run, { clock });
    const metrics = createMetrics();
    instrumentEngine(e, metrics);
    const recorded = recordedFinishes(e, 1);
    await advanceEngineTo(clock, e, at);
    await recorded;
    const text = metrics.render();
    expect(text).toMatch(/tickler_fires_total\{trigger="schedule"\} 1/);
    expect(text).toMatch(/tickler_runs_total\{status="succeeded"\} 1/);
    expect(text).toMatch(/tickler_fire_lateness_seconds_count 1/);
    expect(text).toMatch(/tickler_engine_runs_in_flight 0/);
  });

  it('fires an interval on its anchored phase, every period, without drift', async () => {
    const clock = new ManualClock();
    const anchor = soon(clock, 1000);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(1, new Date(anchor.getTime() - 1000)), nextRunAt: anchor, overlap: 'allow' }]);
    const { run, calls } = recordingRunner(undefined, clock);
    // A window wide enough to claim the three fires at start (the database's clock does not move with ours).
    const e = await engine(run, { clock, env: { SCHEDULER_LOOKAHEAD_MS: '6000' } });
    const recorded = recordedFinishes(e, 3);
    const started: number[] = [];
    e.events.on('fired', (f) => started.push(f.startedAt));
    await advanceEngineTo(clock, e, anchor.getTime() + 2000);
    await recorded;
    expect(calls).toHaveLength(3);
    expect(started.map((t, i) => Math.abs(t - (anchor.getTime() + 1000 * i)) < 1)).toEqual([true, true, true]);
    const xs = await executionsOf(db, taskId as string);
    const times = xs.map((x) => x.scheduled_ms).slice(0, 3);
    expect(times).toEqual([anchor.getTime(), anchor.getTime() + 1000, anchor.getTime() + 2000]);
  });

  it('runs a manual run at once, woken by a notification', async () => {
    const clock = new ManualClock();
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }]);
    const { run, calls } = recordingRunner();
    // The clock never moves here: no poll runs, so only the notification can start the run.
    const e = await engine(run, { clock, pollMs: 60_000 });
    followClaims(clock, e);
    const app = await startTestApp(db);
    try {
      const key = (await app.user()).apiKey;
      await db.pool.query('update tasks set user_id = (select user_id from api_keys where key_hash is not null order by id desc limit 1) where id = $1', [taskId]);
      const fired = nextEvent(e, 'fired');
      const recorded = recordedFinishes(e, 1);
      const res = await app.request('POST', `/api/tasks/${taskId}/run`, { key });
      expect(res.status).toBe(202);
      const [f] = await fired;
      expect(f.executionId).toBe(res.body.id);
      expect(calls[0]?.trigger).toBe('manual');
      await recorded;
      expect((await executionsOf(db, taskId as string))[0]?.status).toBe('succeeded');
    } finally {
      await app.close();
    }
  });

  it('queues 60 concurrent run-now requests of one task as 60 distinct runs, and runs each once', async () => {
    const clock = new ManualClock();
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }]);
    const { run, calls } = recordingRunner();
    const e = await engine(run, { clock, pollMs: 60_000 });
    followClaims(clock, e);
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
      const recorded = recordedFinishes(e, 60, (f) => f.status === 'succeeded');
      const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => app.request('POST', `/api/tasks/${taskId}/run`, { key, body: { dryRun: i % 2 === 1 } })));
      expect(replies.map((r) => r.status)).toEqual(Array(60).fill(202));
      const ids = replies.map((r) => r.body.id);
      expect(new Set(ids).size).toBe(60);
      expect(replies.filter((r) => r.body.dryRun).length).toBe(30);
      for (const r of replies) expect(r.headers.get('location')).toBe(`/api/executions/${r.body.id}`);
      await recorded;
      expect(calls.length).toBe(60);
      const xs = await executionsOf(db, taskId as string);
      expect(xs.map((x) => x.id).sort()).toEqual([...ids].sort());
      expect(xs.every((x) => x.trigger === 'manual' && x.status === 'succeeded')).toBe(true);
      // The stored rows are what the replies said.
      const { rows } = await db.pool.query<{ id: string; dry_run: boolean }>(`select id::text as id, dry_run from executions where task_id = $1`, [taskId]);
      const dry = new Map(rows.map((r) => [r.id, r.dry_run]));
      for (const r of replies) expect(dry.get(r.body.id)).toBe(r.body.dryRun);
    } finally {
      await app.close();
    }
  });

  it('skips a fire while the previous run of the task is still going (overlap: skip)', async () => {
    const clock = new ManualClock();
    const anchor = soon(clock, 800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(1, new Date(anchor.getTime() - 1000)), nextRunAt: anchor }]);
    const { run } = recordingRunner(async (req) => {
      await clock.sleep(1600, req.signal); // a run lasting 1.6 s of the manual clock
      return ok();
    });
    const e = await engine(run, { clock, env: { SCHEDULER_LOOKAHEAD_MS: '4000' } });
    const skipped = nextEvent(e, 'skipped');
    await advanceEngineTo(clock, e, anchor.getTime() + 1000);
    const [f] = await skipped;
    expect(f.scheduledFor).toBe(anchor.getTime() + 1000);
    // The first run is still going: it ends (and is recorded) at +1600.
    const recorded = recordedFinishes(e, 1);
    await advanceEngineTo(clock, e, anchor.getTime() + 1600);
    await recorded;
    // Skips have a batch of their own, which no event announces as written: stopping the engine
    // writes every batch still open, so the rows below are final.
    await e.stop(0);
    const xs = await executionsOf(db, taskId as string);
    expect(xs.find((x) => x.scheduled_ms === anchor.getTime())?.status).toBe('succeeded');
    const skip = xs.find((x) => x.scheduled_ms === anchor.getTime() + 1000);
    expect(skip).toMatchObject({ status: 'skipped' });
    expect(skip?.error?.type).toBe('overlap');
  });
});

describe('failures', () => {
  it('retries transient failures with backoff, each attempt its own execution', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 1000);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at, maxAttempts: 3 }]);
    let n = 0;
    const { run, calls } = recordingRunner(
      (): RunResult =>
        ++n < 3 ? { status: 'failed', error: { type: 'rate_limited', message: 'LLM 429' }, transient: true, usage: ZERO_USAGE } : ok('third time lucky'),
      clock,
    );
    const e = await engine(run, { clock });
    // Each failure queues a retry (and notifies); once claimed, its timer waits for the backoff.
    const retries = [nextEvent(e, 'claimed', (fires) => fires.some((f) => f.attempt === 2))];
    await advanceEngineTo(clock, e, at);
    for (const attempt of [2, 3]) {
      const retry = retries[attempt - 2] as (typeof retries)[number];
      const f = (await retry)[0].find((x) => x.attempt === attempt) as ClaimedFire;
      // retryBaseMs 200: attempt 2 waits 100–200 ms, attempt 3 200–400 ms (with jitter).
      const waited = f.scheduledFor - (clock.now().getTime() + e.stats().clockOffsetMs);
      expect(waited).toBeGreaterThanOrEqual(100 * 2 ** (attempt - 2) - 1);
      expect(waited).toBeLessThanOrEqual(200 * 2 ** (attempt - 2) + 1);
      await advanceEngineTo(clock, e, f.scheduledFor - 1);
      expect(calls).toHaveLength(attempt - 1);
      const recorded = recordedFinishes(e, 1);
      const next = attempt === 2 ? nextEvent(e, 'claimed', (fires) => fires.some((x) => x.attempt === 3)) : null;
      await advanceEngineTo(clock, e, f.scheduledFor);
      await recorded;
      if (next) retries.push(next);
    }
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
    const clock = new ManualClock();
    const anchor = soon(clock, 800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(1, new Date(anchor.getTime() - 1000)), nextRunAt: anchor, pauseAfterFailures: 2, overlap: 'allow' }]);
    const { run, calls } = recordingRunner((): RunResult => ({ status: 'failed', error: { type: 'auth', message: 'invalid API key' }, transient: false, usage: ZERO_USAGE }));
    const e = await engine(run, { clock, env: { SCHEDULER_LOOKAHEAD_MS: '6000' } });
    expect(e.stats().held).toBeGreaterThanOrEqual(4);
    for (const k of [0, 1]) {
      const recorded = recordedFinishes(e, 1);
      await advanceEngineTo(clock, e, anchor.getTime() + 1000 * k);
      await recorded;
    }
    const { rows } = await db.pool.query(`select enabled, paused_reason, consecutive_failures from tasks where id = $1`, [taskId]);
    expect(rows[0].enabled).toBe(false);
    expect(rows[0].paused_reason).toMatch(/paused after 2 consecutive failed runs; last error: invalid API key/);
    // The pause dropped the fires still held: nothing more fires.
    expect(e.stats().held).toBe(0);
    await clock.advance(5000);
    expect(calls).toHaveLength(2);
    const xs = await executionsOf(db, taskId as string);
    expect(xs.every((x) => x.trigger !== 'retry')).toBe(true);
    expect(xs.filter((x) => x.status !== 'queued').map((x) => x.status)).toEqual(['failed', 'failed']);
  });

  it('pauses the task with the reason the runner gives (token budget)', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: interval(3600, new Date(at.getTime() - 3_600_000)), nextRunAt: at }]);
    const e = await engine(
      recordingRunner((): RunResult => ({ status: 'failed', error: { type: 'budget', message: 'over budget' }, transient: false, usage: ZERO_USAGE, pauseTask: 'monthly token budget of 1000 spent' })).run,
      { clock },
    );
    const recorded = recordedFinishes(e, 1);
    await advanceEngineTo(clock, e, at);
    await recorded;
    const { rows } = await db.pool.query(`select enabled, paused_reason from tasks where id = $1`, [taskId]);
    expect(rows[0]).toEqual({ enabled: false, paused_reason: 'monthly token budget of 1000 spent' });
  });

  it('survives a runner that throws', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 800);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at, maxAttempts: 1 }]);
    const e = await engine(
      async () => {
        throw new Error('boom');
      },
      { clock },
    );
    const recorded = recordedFinishes(e, 1);
    await advanceEngineTo(clock, e, at);
    await recorded;
    const x = (await executionsOf(db, taskId as string)).find((r) => r.status === 'failed');
    expect(x?.error).toEqual({ type: 'internal', message: 'the runner failed unexpectedly' });
  });
});

describe('misfires and orphans (start-up sync)', () => {
  it('coalesces many missed fires into one catch-up run within the grace period', async () => {
    const clock = new ManualClock();
    const tenMinAgo = new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000 - 600_000);
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '* * * * *' }, nextRunAt: tenMinAgo }]);
    const { run, calls } = recordingRunner();
    const e = createTestEngine(db, run, { clock, env: { SCHEDULER_LOOKAHEAD_MS: '500' } });
    engines.push(e);
    const recorded = recordedFinishes(e, 1);
    // The catch-up fire is due already: it starts without the clock moving.
    await e.start();
    await recorded;
    expect(calls).toHaveLength(1);
    const xs = await executionsOf(db, taskId as string);
    const catchup = xs.filter((x) => x.trigger === 'catchup');
    expect(catchup).toHaveLength(1);
    expect(xs.filter((x) => x.status === 'missed')).toHaveLength(0);
    const { rows } = await db.pool.query(`select (extract(epoch from next_run_at) * 1000)::float8 as next from tasks where id = $1`, [taskId]);
    expect(rows[0].next).toBeGreaterThan(clock.now().getTime() - 1000);
  });

  it('records a missed execution under the skip policy, and beyond the grace period', async () => {
    const clock = new ManualClock();
    const past = new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000 - 120_000);
    const [skipId, lateId] = await insertTasks(db, userId, [
      { schedule: { kind: 'once', at: past.toISOString() }, nextRunAt: past, misfirePolicy: 'skip' },
      { schedule: { kind: 'once', at: past.toISOString() }, nextRunAt: past, misfireGraceSeconds: 60 },
    ]);
    const { run, calls } = recordingRunner();
    await engine(run, { clock });
    for (const id of [skipId, lateId]) {
      const xs = await executionsOf(db, id as string);
      expect(xs).toHaveLength(1);
      expect(xs[0]).toMatchObject({ status: 'missed', scheduled_ms: past.getTime() });
      expect(xs[0]?.error?.message).toMatch(/missed 1 fire/);
    }
    expect(calls).toHaveLength(0);
  });

  it('marks a run whose owner died interrupted and retries it', async () => {
    const clock = new ManualClock();
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }]);
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, owner, lease_until, started_at)
       values ($1, $2, 'running', 'schedule', 1, now() - interval '1 minute', 'dead-host:1:abc', now() - interval '10 seconds', now() - interval '1 minute')`,
      [taskId, userId],
    );
    const { run, calls } = recordingRunner();
    const e = createTestEngine(db, run, { clock });
    engines.push(e);
    const retry = nextEvent(e, 'claimed', (fires) => fires.some((f) => f.trigger === 'retry'));
    await e.start();
    const f = (await retry)[0].find((x) => x.trigger === 'retry') as ClaimedFire;
    const recorded = recordedFinishes(e, 1);
    // The retry waits out its backoff (retryBaseMs 200) on the engine's clock.
    await advanceEngineTo(clock, e, f.scheduledFor);
    await recorded;
    expect(calls).toHaveLength(1);
    const xs = await executionsOf(db, taskId as string);
    expect(xs[0]).toMatchObject({ status: 'interrupted' });
    expect(xs[0]?.error?.type).toBe('interrupted');
    expect(xs[1]).toMatchObject({ trigger: 'retry', attempt: 2, status: 'succeeded' });
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
    const clock = new ManualClock();
    const { run, calls } = recordingRunner(undefined, clock);
    const e = await engine(run, { clock, pollMs: 60_000 });
    const at = soon(clock, 1200);
    const claimed = nextEvent(e, 'claimed');
    const res = await app.request('POST', '/api/tasks', { key, body: { name: 'x', schedule: { at: at.toISOString() } } });
    expect(res.status).toBe(201);
    await claimed;
    const fired = nextEvent(e, 'fired');
    await advanceEngineTo(clock, e, at);
    const [f] = await fired;
    expect(calls).toHaveLength(1);
    expect(Math.abs(f.startedAt - at.getTime())).toBeLessThan(1);
  });

  it('drops claimed fires on pause, and fires nothing of it after', async () => {
    const clock = new ManualClock();
    const { run, calls } = recordingRunner();
    const e = await engine(run, { clock, pollMs: 60_000 });
    const at = soon(clock, 1500);
    const claimed = nextEvent(e, 'claimed');
    const created = await app.request('POST', '/api/tasks', { key, body: { name: 'p', schedule: { at: at.toISOString() } } });
    await claimed;
    expect(e.stats().held).toBe(1);
    const dropped = nextEvent(e, 'dropped');
    await app.request('POST', `/api/tasks/${created.body.id}/pause`, { key });
    await dropped;
    expect(e.stats().held).toBe(0);
    await advanceEngineTo(clock, e, at.getTime() + 300);
    expect(calls).toHaveLength(0);
    expect(await executionsOf(db, created.body.id)).toHaveLength(0);
  });

  it('moves a claimed fire when the task is rescheduled, and drops it on delete', async () => {
    const clock = new ManualClock();
    const { run, calls } = recordingRunner(undefined, clock);
    // A window wide enough to claim the moved fire at once (the database's clock does not move with ours).
    const e = await engine(run, { clock, pollMs: 60_000, env: { SCHEDULER_LOOKAHEAD_MS: '6000' } });
    const first = soon(clock, 1500);
    const later = new Date(first.getTime() + 1000);
    const t = await app.request('POST', '/api/tasks', { key, body: { name: 'r', schedule: { every: 3600 } } });
    const ofTask = (f: ClaimedFire) => f.taskId === t.body.id;
    const claimed = nextEvent(e, 'claimed', (fires) => fires.some(ofTask));
    await app.request('PATCH', `/api/tasks/${t.body.id}`, { key, body: { schedule: { at: first.toISOString() } } });
    expect((await claimed)[0].filter(ofTask).map((f) => f.scheduledFor)).toEqual([first.getTime()]);
    expect(e.stats().held).toBe(1);

    const dropped = nextEvent(e, 'dropped', ofTask);
    const reclaimed = nextEvent(e, 'claimed', (fires) => fires.some(ofTask));
    const moved = await app.request('PATCH', `/api/tasks/${t.body.id}`, { key, body: { schedule: { at: later.toISOString() } } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect((await dropped)[0].scheduledFor).toBe(first.getTime());
    expect((await reclaimed)[0].filter(ofTask).map((f) => f.scheduledFor)).toEqual([later.getTime()]);
    expect(e.stats().held).toBe(1);

    // A second task, claimed and then deleted before its instant (between the two above).
    const dClaimed = nextEvent(e, 'claimed', (fires) => fires.some((f) => !ofTask(f)));
    const d = await app.request('POST', '/api/tasks', { key, body: { name: 'd', schedule: { at: soon(clock, 2000).toISOString() } } });
    const ofD = (f: ClaimedFire) => f.taskId === d.body.id;
    expect((await dClaimed)[0].some(ofD)).toBe(true);
    expect(e.stats().held).toBe(2);
    const dDropped = nextEvent(e, 'dropped', ofD);
    await app.request('DELETE', `/api/tasks/${d.body.id}`, { key });
    await dDropped;
    expect(e.stats().held).toBe(1);

    await advanceEngineTo(clock, e, first);
    expect(calls).toHaveLength(0);
    const fired = nextEvent(e, 'fired');
    const recorded = recordedFinishes(e, 1);
    await advanceEngineTo(clock, e, later);
    const [f] = await fired;
    await recorded;
    expect(f.taskId).toBe(t.body.id);
    expect(Math.abs(f.startedAt - later.getTime())).toBeLessThan(1);
    expect(calls).toHaveLength(1);
    const xs = await executionsOf(db, t.body.id);
    expect(xs.map((x) => x.scheduled_ms)).toEqual([later.getTime()]);
    expect(e.stats().held).toBe(0);
  });

  it('aborts a running execution on cancel and keeps it cancelled', async () => {
    const clock = new ManualClock();
    let aborted = false;
    let startRecorded: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      startRecorded = resolve;
    });
    const { run } = recordingRunner(
      (req) =>
        new Promise<RunResult>((resolve) => {
          void req.started?.then(startRecorded);
          req.signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ status: 'aborted', usage: ZERO_USAGE });
          });
        }),
    );
    const e = await engine(run, { clock, pollMs: 60_000 });
    followClaims(clock, e);
    const t = await app.request('POST', '/api/tasks', { key, body: { name: 'c', schedule: { every: 3600 } } });
    const x = await app.request('POST', `/api/tasks/${t.body.id}/run`, { key });
    await running;
    expect((await app.request('GET', `/api/executions/${x.body.id}`, { key })).body.status).toBe('running');
    const finished = nextEvent(e, 'finished');
    const c = await app.request('POST', `/api/executions/${x.body.id}/cancel`, { key });
    expect(c.body.status).toBe('cancelled');
    const [{ result }] = await finished;
    expect(aborted).toBe(true);
    expect(result.status).toBe('aborted');
    expect((await app.request('GET', `/api/executions/${x.body.id}`, { key })).body.status).toBe('cancelled');
  });

  it('reports status: instances, due soon, running, lag', async () => {
    await engine(recordingRunner().run, { clock: new ManualClock() });
    const s = await app.request('GET', '/api/scheduler/status', { key });
    expect(s.status).toBe(200);
    expect(s.body.instances.length).toBeGreaterThanOrEqual(1);
    expect(s.body).toMatchObject({ dueNextMinute: expect.any(Number), running: expect.any(Number), queued: expect.any(Number) });
  });
});

describe('several engines', () => {
  it('fires 500 simultaneous tasks exactly once across three engines', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 1500);
    const ids = await insertTasks(
      db,
      userId,
      Array.from({ length: 500 }, () => ({ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at })),
    );
    const { run, calls } = recordingRunner(undefined, clock);
    // Each holds at most 2 × RUNNER_CONCURRENCY, so all three get a share.
    const es = await Promise.all([0, 1, 2].map(() => engine(run, { clock, env: { RUNNER_CONCURRENCY: '100' } })));
    expect(es.reduce((n, e) => n + e.stats().held, 0)).toBe(500);
    expect(es.filter((e) => e.stats().held > 0).length).toBe(3);
    const recorded = es.map((e) => recordedFinishes(e, e.stats().held));
    const lateness: number[] = [];
    for (const e of es) e.events.on('fired', (f) => lateness.push(f.latenessMs));
    // Each engine's offset to the database differs by a little: move to the instant each one sees.
    for (const e of [...es].sort((x, y) => y.stats().clockOffsetMs - x.stats().clockOffsetMs)) await advanceEngineTo(clock, e, at);
    await Promise.all(recorded);
    expect(calls).toHaveLength(500);
    expect(new Set(calls.map((c) => c.taskId)).size).toBe(500);
    expect(lateness.filter((ms) => Math.abs(ms) > 1)).toEqual([]);
    const { rows } = await db.pool.query(
      `select count(*)::int as n, count(*) filter (where status = 'succeeded')::int as ok, count(distinct owner)::int as owners from executions where task_id = any($1::bigint[])`,
      [ids],
    );
    expect(rows[0]).toEqual({ n: 500, ok: 500, owners: 3 });
  });

  it('hands fires over on graceful shutdown: released runs are retried elsewhere', async () => {
    const clock = new ManualClock();
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
    const a = await startEngine(db, slow.run, { clock });
    followClaims(clock, a);
    const firstRun = nextEvent(a, 'fired');
    await queueRun(db, taskId as string, userId);
    await firstRun;
    const b = await engine(slow.run, { clock });
    followClaims(clock, b);
    const retried = recordedFinishes(b, 1);
    // No grace: the run in progress is released at once, recorded interrupted and retried by b.
    await a.stop(0);
    await retried;
    expect(slow.calls).toHaveLength(2);
    const xs = await executionsOf(db, taskId as string);
    expect(xs.map((x) => [x.status, x.trigger])).toEqual([
      ['interrupted', 'manual'],
      ['succeeded', 'retry'],
    ]);
    expect(xs[0]?.error?.type).toBe('released');
    expect(xs[1]?.owner).toBe(b.id);
  });
});
