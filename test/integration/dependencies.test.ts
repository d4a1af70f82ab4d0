import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import type { RunRequest, RunResult } from '../../src/scheduler/runner-port.ts';
import { ZERO_USAGE } from '../../src/scheduler/runner-port.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { executionsOf, insertEdges, insertTasks, insertUser, ok, queueRun, recordingRunner, startEngine, until } from '../support/engine.ts';

// Joins and waits through real engines on a real database. Assertions are on execution rows;
// waits are generous (a shared 2-core machine), never tight timing.

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

async function engine(run: Parameters<typeof startEngine>[1]) {
  const e = await startEngine(db, run);
  engines.push(e);
  return e;
}

const soon = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000);
const once = (at: Date) => ({ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at });
const joinOnly = { schedule: null, nextRunAt: null };
const failed = (transient: boolean): RunResult => ({ status: 'failed', error: { type: 'x', message: 'boom' }, transient, usage: ZERO_USAGE });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers per task id (default: success). */
function byTask(answers: Record<string, (req: RunRequest) => RunResult | Promise<RunResult>>) {
  return recordingRunner((req) => (answers[req.execution.taskId] ?? (() => ok()))(req));
}

async function succeeded(taskId: string) {
  return (await executionsOf(db, taskId)).filter((x) => x.status === 'succeeded');
}

describe('a task that runs after others (a join)', () => {
  it('runs once when both of its dependencies succeeded, recording which runs satisfied it', async () => {
    const at = soon(1500);
    const [a, b] = (await insertTasks(db, userId, [once(at), once(new Date(at.getTime() + 1000))])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    const { run, calls } = recordingRunner();
    // Two replicas: whichever records the last success, C starts once.
    await engine(run);
    await engine(run);
    await until(async () => (await succeeded(c)).length === 1, 15_000, 'the dependent run');
    const [xa] = await succeeded(a);
    const [xb] = await succeeded(b);
    const xs = await executionsOf(db, c);
    expect(xs).toHaveLength(1);
    expect(xs[0]).toMatchObject({ status: 'succeeded', trigger: 'dependency', satisfied_by: [xa?.id, xb?.id] });
    // nothing more comes of these successes
    await sleep(3000);
    expect(await executionsOf(db, c)).toHaveLength(1);
    expect(calls.filter((x) => x.taskId === c)).toHaveLength(1);
    const { rows } = await db.pool.query(`select enabled, last_status from tasks where id = $1`, [c]);
    // a task without a schedule is not a spent one-off: it stays enabled for the next round
    expect(rows[0]).toEqual({ enabled: true, last_status: 'succeeded' });
  });

  it('does not run when a dependency failed', async () => {
    const at = soon(1500);
    const [a, b] = (await insertTasks(db, userId, [{ ...once(at), maxAttempts: 1 }, once(at)])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    const { run } = byTask({ [a]: () => failed(false) });
    await engine(run);
    await until(async () => (await executionsOf(db, a)).some((x) => x.status === 'failed') && (await succeeded(b)).length === 1, 10_000, 'A failed, B succeeded');
    await sleep(4000); // past a dependency sweep
    expect(await executionsOf(db, c)).toEqual([]);
    const edges = await db.pool.query(`select depends_on_id::text as dep, pending_success_id is not null as pending from task_dependencies where task_id = $1 order by 1`, [c]);
    expect(edges.rows).toEqual([
      { dep: a, pending: false },
      { dep: b, pending: true },
    ]);
  });

  it('runs once a retry of the failed dependency succeeds', async () => {
    const at = soon(1500);
    const [a, b] = (await insertTasks(db, userId, [{ ...once(at), maxAttempts: 3 }, once(at)])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    let attempts = 0;
    const { run } = byTask({ [a]: () => (++attempts === 1 ? failed(true) : ok()) });
    await engine(run);
    await until(async () => (await succeeded(c)).length === 1, 15_000, 'the dependent run');
    const xa = await executionsOf(db, a);
    expect(xa.map((x) => [x.status, x.trigger])).toEqual([
      ['failed', 'schedule'],
      ['succeeded', 'retry'],
    ]);
    const [xc] = await executionsOf(db, c);
    expect(xc?.satisfied_by).toEqual([xa[1]?.id, (await succeeded(b))[0]?.id]);
  });

  it('needs every dependency to succeed again before it runs again', async () => {
    const at = soon(1500);
    const [a, b] = (await insertTasks(db, userId, [once(at), once(at)])) as [string, string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a, b]);
    await engine(recordingRunner().run);
    await until(async () => (await succeeded(c)).length === 1, 10_000, 'the first round');
    const manual = async (taskId: string) => {
      await queueRun(db, taskId, userId);
    };
    await manual(a);
    await until(async () => (await succeeded(a)).length === 2, 5000, "A's second success");
    await sleep(3000);
    expect(await succeeded(c)).toHaveLength(1);
    await manual(b);
    await until(async () => (await succeeded(c)).length === 2, 10_000, 'the second round');
  });

  it('fires 40 joins exactly once across three engines when all their dependencies finish together', async () => {
    const at = soon(2000);
    const deps = await insertTasks(db, userId, Array.from({ length: 80 }, () => once(at)));
    const joins = await insertTasks(db, userId, Array.from({ length: 40 }, () => joinOnly));
    for (const [i, j] of joins.entries()) await insertEdges(db, userId, j, [deps[2 * i] as string, deps[2 * i + 1] as string]);
    const { run } = recordingRunner(async () => {
      await sleep(Math.random() * 50);
      return ok();
    });
    await Promise.all([engine(run), engine(run), engine(run)]);
    const count = async () =>
      (await db.pool.query(`select task_id, count(*)::int as n from executions where task_id = any($1::bigint[]) group by task_id`, [joins])).rows;
    await until(async () => (await count()).length === 40, 20_000, 'every join to run');
    await sleep(3000);
    const rows = await count();
    expect(rows).toHaveLength(40);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
  });

  it('is triggered by the sweep when a success was recorded but its trigger was lost (a crash between the two)', async () => {
    const [a] = (await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }])) as [string];
    const [c] = (await insertTasks(db, userId, [joinOnly])) as [string];
    await insertEdges(db, userId, c, [a]);
    // What recordFinishes commits for A's success; the engine that wrote it died before triggering C.
    const { rows } = await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, finished_at) values ($1, $2, 'succeeded', 'manual', now(), now()) returning id::text as id`,
      [a, userId],
    );
    await db.pool.query(`update task_dependencies set pending_success_id = $2 where task_id = $1`, [c, rows[0].id]);
    await engine(recordingRunner().run);
    await until(async () => (await succeeded(c)).length === 1, 10_000, 'the swept trigger');
    expect((await executionsOf(db, c))[0]?.satisfied_by).toEqual([rows[0].id]);
  });
});

describe('a scheduled task with dependencies', () => {
  it('runs at its fire time when its dependency already succeeded', async () => {
    const at = soon(1500);
    const [a] = (await insertTasks(db, userId, [once(at)])) as [string];
    const [d] = (await insertTasks(db, userId, [once(new Date(at.getTime() + 2000))])) as [string];
    await insertEdges(db, userId, d, [a]);
    await engine(recordingRunner().run);
    await until(async () => (await succeeded(d)).length === 1, 10_000, 'the run');
    const [xd] = await executionsOf(db, d);
    expect(xd).toMatchObject({ trigger: 'schedule', satisfied_by: [(await succeeded(a))[0]?.id], wait_until_ms: null });
  });

  it('waits for its dependency, then runs when it succeeds', async () => {
    const at = soon(1500);
    const [d] = (await insertTasks(db, userId, [{ ...once(at), waitSeconds: 60 }])) as [string];
    const [a] = (await insertTasks(db, userId, [once(new Date(at.getTime() + 2000))])) as [string];
    await insertEdges(db, userId, d, [a]);
    const { run, calls } = recordingRunner();
    await engine(run);
    const waiting = await until(async () => (await executionsOf(db, d)).find((x) => x.status === 'waiting'), 8000, 'the waiting fire');
    expect(waiting?.wait_until_ms).toBe(at.getTime() + 60_000);
    expect(calls.filter((c) => c.taskId === d)).toHaveLength(0);
    await until(async () => (await succeeded(d)).length === 1, 10_000, 'the released run');
    const [xd] = await executionsOf(db, d);
    expect(xd).toMatchObject({ trigger: 'schedule', scheduled_ms: at.getTime(), satisfied_by: [(await succeeded(a))[0]?.id] });
  });

  it('is recorded skipped, naming what it waited for, when its dependency does not succeed in time', async () => {
    const at = soon(1500);
    const [d] = (await insertTasks(db, userId, [{ ...once(at), waitSeconds: 2 }])) as [string];
    const [a, b] = (await insertTasks(db, userId, [
      { schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') },
      { schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') },
    ])) as [string, string];
    await db.pool.query(`update tasks set name = case id when $1 then 'refresh' else 'export' end where id in ($1, $2)`, [a, b]);
    await insertEdges(db, userId, d, [a, b]);
    const { run, calls } = recordingRunner();
    await engine(run);
    await until(async () => (await executionsOf(db, d)).some((x) => x.status === 'waiting'), 8000, 'the waiting fire');
    const skipped = await until(async () => (await executionsOf(db, d)).find((x) => x.status === 'skipped'), 15_000, 'the skip');
    expect(skipped?.error).toEqual({ type: 'dependencies', message: `waited 2 s for tasks ${a} ("refresh"), ${b} ("export") to succeed` });
    expect(calls).toHaveLength(0);
  });
});
