import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import type { RunRequest, RunResult } from '../../src/scheduler/runner-port.ts';
import { ZERO_USAGE } from '../../src/scheduler/runner-port.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import {
  advanceEngineTo,
  advanceEnginesTo,
  executionsOf,
  followClaims,
  insertEdges,
  insertTasks,
  insertUser,
  nextEvent,
  ok,
  queueRun,
  recordedRuns,
  recordingRunner,
  startEngine,
  ticked,
} from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

// Joins and waits through real engines on a real database, on a manual clock: a test moves it
// past an instant and awaits the engine's events; assertions are on execution rows. The
// database's now() is real, so fires are placed within the look-ahead window of the real time at
// start (claimed at once), and runs stamped with the database's time (dependency triggers,
// run-now requests, retries) are followed with `followClaims`. "Nothing more happens" is checked
// after a dependency sweep on every engine, the pass that would trigger a lost dependent.

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
  await db.pool.query(`delete from tasks where kind = 'user'`);
});

afterAll(async () => {
  await tdb?.drop();
});

async function engine(clock: ManualClock, run: Parameters<typeof startEngine>[1], env: Record<string, string> = {}) {
  const e = await startEngine(db, run, { clock, env });
  engines.push(e);
  return e;
}

/** An instant `ms` after the clock's now, on a whole millisecond (as the database stores it). */
const soon = (clock: ManualClock, ms: number) => new Date(clock.now().getTime() + ms);
const once = (at: Date) => ({ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at });
const joinOnly = { schedule: null, nextRunAt: null };
const never = { schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') };
const failed = (transient: boolean): RunResult => ({ status: 'failed', error: { type: 'x', message: 'boom' }, transient, usage: ZERO_USAGE });
/** A window wide enough to claim every fire of a test at start (the database's clock does not move with ours). */
const WIDE = { SCHEDULER_LOOKAHEAD_MS: '6000' };

/** Answers per task id (default: success). */
function byTask(answers: Record<string, (req: RunRequest) => RunResult | Promise<RunResult>>) {
  return recordingRunner((req) => (answers[req.execution.taskId] ?? (() => ok()))(req));
}

async function succeeded(taskId: string) {
  return (await executionsOf(db, taskId)).filter((x) => x.status === 'succeeded');
}

/** Moves the clock past a dependency sweep and waits until every engine has finished one. */
async function pastSweep(clock: ManualClock, es: Engine[]) {
  const swept = ticked(es, 'dependency sweep');
  // The sweep runs every lease / 2 (2.5 s with the test lease of 5 s).
  await clock.advance(3000);
  await swept;
}

describe('a task that runs after others (a join)', () => {
  it('runs once when both of its dependencies succeeded, recording which runs satisfied it', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 500);
    const [a, b] = (await insertTasks(db, userId, [once(at), once(new Date(at.getTime() + 1000))])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    const { run, calls } = recordingRunner(undefined, clock);
    // Two replicas: whichever records the last success, C starts once.
    const es = [await engine(clock, run), await engine(clock, run)];
    for (const e of es) followClaims(clock, e);
    const ran = recordedRuns(es, 1, (f) => f.taskId === c);
    await advanceEnginesTo(clock, es, at.getTime() + 1000);
    await ran;
    const [xa] = await succeeded(a);
    const [xb] = await succeeded(b);
    const xs = await executionsOf(db, c);
    expect(xs).toHaveLength(1);
    expect(xs[0]).toMatchObject({ status: 'succeeded', trigger: 'dependency', satisfied_by: [xa?.id, xb?.id] });
    // nothing more comes of these successes
    await pastSweep(clock, es);
    expect(await executionsOf(db, c)).toHaveLength(1);
    expect(calls.filter((x) => x.taskId === c)).toHaveLength(1);
    const { rows } = await db.pool.query(`select enabled, last_status from tasks where id = $1`, [c]);
    // a task without a schedule is not a spent one-off: it stays enabled for the next round
    expect(rows[0]).toEqual({ enabled: true, last_status: 'succeeded' });
  });

  it('does not run when a dependency failed', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 500);
    const [a, b] = (await insertTasks(db, userId, [{ ...once(at), maxAttempts: 1 }, once(at)])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    const { run } = byTask({ [a]: () => failed(false) });
    const e = await engine(clock, run);
    const recorded = recordedRuns(e, 2, (f) => f.taskId === a || f.taskId === b);
    // B's success is checked against C's edges right after it is recorded.
    const checked = nextEvent(e, 'dependents', (d) => d.checked.includes(c));
    await advanceEngineTo(clock, e, at);
    const finishes = await recorded;
    expect(finishes.map((f) => f.status).sort()).toEqual(['failed', 'succeeded']);
    const [{ triggered }] = await checked;
    expect(triggered).toBe(0);
    await pastSweep(clock, [e]);
    expect(await executionsOf(db, c)).toEqual([]);
    const edges = await db.pool.query(`select depends_on_id::text as dep, pending_success_id is not null as pending from task_dependencies where task_id = $1 order by 1`, [c]);
    expect(edges.rows).toEqual([
      { dep: a, pending: false },
      { dep: b, pending: true },
    ]);
  });

  it('runs once a retry of the failed dependency succeeds', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 500);
    const [a, b] = (await insertTasks(db, userId, [{ ...once(at), maxAttempts: 3 }, once(at)])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    let attempts = 0;
    const { run } = byTask({ [a]: () => (++attempts === 1 ? failed(true) : ok()) });
    const e = await engine(clock, run);
    // The retry (after its backoff) and C (at once) are queued rows: the clock follows their claims.
    followClaims(clock, e);
    const ran = recordedRuns(e, 1, (f) => f.taskId === c);
    await advanceEngineTo(clock, e, at);
    await ran;
    const xa = await executionsOf(db, a);
    expect(xa.map((x) => [x.status, x.trigger])).toEqual([
      ['failed', 'schedule'],
      ['succeeded', 'retry'],
    ]);
    const xc = await executionsOf(db, c);
    expect(xc).toHaveLength(1);
    expect(xc[0]?.satisfied_by).toEqual([xa[1]?.id, (await succeeded(b))[0]?.id]);
  });

  it('needs every dependency to succeed again before it runs again', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 500);
    const [a, b] = (await insertTasks(db, userId, [once(at), once(at)])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    const e = await engine(clock, recordingRunner().run);
    followClaims(clock, e);
    const firstRound = recordedRuns(e, 1, (f) => f.taskId === c);
    await advanceEngineTo(clock, e, at);
    await firstRound;
    // A alone succeeds again: C's edges are checked and C stays put, also past a sweep.
    const again = recordedRuns(e, 1, (f) => f.taskId === a);
    const checked = nextEvent(e, 'dependents', (d) => d.checked.includes(c));
    await queueRun(db, a, userId);
    await again;
    expect((await checked)[0].triggered).toBe(0);
    await pastSweep(clock, [e]);
    expect(await succeeded(a)).toHaveLength(2);
    expect(await executionsOf(db, c)).toHaveLength(1);
    const secondRound = recordedRuns(e, 1, (f) => f.taskId === c);
    await queueRun(db, b, userId);
    await secondRound;
    expect(await succeeded(c)).toHaveLength(2);
  });

  it('fires 40 joins exactly once across three engines when all their dependencies finish together', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 800);
    const deps = await insertTasks(db, userId, Array.from({ length: 80 }, () => once(at)));
    const joins = await insertTasks(db, userId, Array.from({ length: 40 }, () => joinOnly));
    for (const [i, j] of joins.entries()) await insertEdges(db, userId, j, [deps[2 * i] as string, deps[2 * i + 1] as string]);
    const { run } = recordingRunner(async () => {
      // Real jitter in the runner (it is not waiting for the engine): the successes land in
      // different batches on different engines, which is the race under test.
      await new Promise((r) => setTimeout(r, Math.random() * 50));
      return ok();
    });
    // Each holds at most 2 × RUNNER_CONCURRENCY, so the 80 fires are shared out.
    const es = await Promise.all([0, 1, 2].map(() => engine(clock, run, { RUNNER_CONCURRENCY: '15' })));
    for (const e of es) followClaims(clock, e);
    const joinIds = new Set(joins);
    const ran = recordedRuns(es, 40, (f) => joinIds.has(f.taskId));
    await advanceEnginesTo(clock, es, at);
    await ran;
    await pastSweep(clock, es);
    const { rows } = await db.pool.query(`select task_id, count(*)::int as n from executions where task_id = any($1::bigint[]) group by task_id`, [joins]);
    expect(rows).toHaveLength(40);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
  });

  it('is triggered by the sweep when a success was recorded but its trigger was lost (a crash between the two)', async () => {
    const clock = new ManualClock();
    const [a] = (await insertTasks(db, userId, [never])) as [string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a]);
    // Started first: the start-up sync sweeps too, and this is about the periodic sweep.
    const e = await engine(clock, recordingRunner().run);
    followClaims(clock, e);
    // What recordFinishes commits for A's success; the engine that wrote it died before triggering C.
    const { rows } = await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, finished_at) values ($1, $2, 'succeeded', 'manual', now(), now()) returning id::text as id`,
      [a, userId],
    );
    await db.pool.query(`update task_dependencies set pending_success_id = $2 where task_id = $1`, [c, rows[0].id]);
    const ran = recordedRuns(e, 1, (f) => f.taskId === c);
    expect(await executionsOf(db, c)).toEqual([]);
    await pastSweep(clock, [e]);
    await ran;
    expect((await executionsOf(db, c))[0]).toMatchObject({ status: 'succeeded', trigger: 'dependency', satisfied_by: [rows[0].id] });
  });
});

describe('a scheduled task with dependencies', () => {
  it('runs at its fire time when its dependency already succeeded', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 500);
    const [a] = (await insertTasks(db, userId, [once(at)])) as [string];
    const dAt = new Date(at.getTime() + 2000);
    const [d] = (await insertTasks(db, userId, [once(dAt)])) as [string];
    await insertEdges(db, userId, d, [a]);
    const e = await engine(clock, recordingRunner().run, WIDE);
    expect(e.stats().held).toBe(2);
    const aDone = recordedRuns(e, 1, (f) => f.taskId === a);
    await advanceEngineTo(clock, e, at);
    await aDone;
    const dDone = recordedRuns(e, 1, (f) => f.taskId === d);
    await advanceEngineTo(clock, e, dAt);
    await dDone;
    const [xd] = await executionsOf(db, d);
    expect(xd).toMatchObject({ status: 'succeeded', trigger: 'schedule', scheduled_ms: dAt.getTime(), satisfied_by: [(await succeeded(a))[0]?.id], wait_until_ms: null });
  });

  it('waits for its dependency, then runs when it succeeds', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 500);
    const [d] = (await insertTasks(db, userId, [{ ...once(at), waitSeconds: 60 }])) as [string];
    const [a] = (await insertTasks(db, userId, [once(new Date(at.getTime() + 2000))])) as [string];
    await insertEdges(db, userId, d, [a]);
    const { run, calls } = recordingRunner();
    const e = await engine(clock, run, WIDE);
    const waiting = nextEvent(e, 'waiting', (f) => f.taskId === d);
    await advanceEngineTo(clock, e, at);
    await waiting;
    const [xw] = await executionsOf(db, d);
    expect(xw).toMatchObject({ status: 'waiting', wait_until_ms: at.getTime() + 60_000 });
    expect(calls.filter((c) => c.taskId === d)).toHaveLength(0);
    const released = recordedRuns(e, 1, (f) => f.taskId === d);
    await advanceEngineTo(clock, e, at.getTime() + 2000);
    await released;
    const [xd] = await executionsOf(db, d);
    expect(xd).toMatchObject({ status: 'succeeded', trigger: 'schedule', scheduled_ms: at.getTime(), satisfied_by: [(await succeeded(a))[0]?.id] });
  });

  it('is recorded skipped, naming what it waited for, when its dependency does not succeed in time', async () => {
    const clock = new ManualClock();
    const at = soon(clock, 500);
    const [d] = (await insertTasks(db, userId, [{ ...once(at), waitSeconds: 2 }])) as [string];
    const [a, b] = (await insertTasks(db, userId, [never, never])) as [string, string];
    await db.pool.query(`update tasks set name = case id when $1 then 'refresh' else 'export' end where id in ($1, $2)`, [a, b]);
    await insertEdges(db, userId, d, [a, b]);
    const { run, calls } = recordingRunner();
    const e = await engine(clock, run);
    const waiting = nextEvent(e, 'waiting', (f) => f.taskId === d);
    await advanceEngineTo(clock, e, at);
    await waiting;
    const [x] = await executionsOf(db, d);
    expect(x).toMatchObject({ status: 'waiting', wait_until_ms: at.getTime() + 2000 });
    // The deadline is compared with the database's now(), which is real: age the waiting fire by
    // ten seconds (its 2 s wait kept) instead of waiting it out, then let the expiry pass run.
    await db.pool.query(`update executions set scheduled_for = scheduled_for - interval '10 s', wait_until = wait_until - interval '10 s' where id = $1`, [x?.id]);
    const expired = ticked(e, 'wait expiry');
    await clock.advance(1000);
    await expired;
    const [skipped] = await executionsOf(db, d);
    expect(skipped?.status).toBe('skipped');
    expect(skipped?.error).toEqual({ type: 'dependencies', message: `waited 2 s for tasks ${a} ("refresh"), ${b} ("export") to succeed` });
    expect(calls).toHaveLength(0);
  });
});
