import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { children, spawnEngine, stopChild } from '../support/engine-process.ts';
import { insertTasks, insertUser } from '../support/engine.ts';
import { until } from '../support/poll.ts';

// Restarts through real processes: a replica claims fires ahead, is stopped (SIGTERM) or killed
// (SIGKILL) before their instants, stays down across them, and a new process starts. Whatever the
// previous process held, the misfire policy decides what runs: `skip` runs nothing late, `run_once`
// runs one `catchup` per task.

let tdb: TestDatabase;
let db: Database;
let userId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(10);
  await db.pool.query('create table if not exists test_runs (execution_id bigint not null, pid int not null, at timestamptz not null default now())');
  userId = await insertUser(db);
});

afterEach(async () => {
  await Promise.all([...children].map((c) => stopChild(c, 'SIGKILL')));
  await db.pool.query('truncate test_runs; delete from tasks; delete from scheduler_instances');
});

afterAll(async () => tdb?.drop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two tasks every second from just ahead: one `skip`, one `run_once` with `overlap: allow` (the reported case). */
async function everySecondTasks(): Promise<{ skip: string; runOnce: string }> {
  const anchor = new Date(Math.ceil((Date.now() + 1000) / 1000) * 1000);
  const every = { schedule: { kind: 'interval', everySeconds: 1, anchor: anchor.toISOString() }, nextRunAt: anchor };
  const [skip, runOnce] = await insertTasks(db, userId, [
    { ...every, misfirePolicy: 'skip' },
    { ...every, misfirePolicy: 'run_once', overlap: 'allow' },
  ]);
  return { skip: skip as string, runOnce: runOnce as string };
}

/** Waits until `proc` holds fires of both tasks claimed ahead (queued, owned, instant still to come). */
async function heldAhead(ids: string[]): Promise<void> {
  await until(async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(distinct task_id)::int as n from executions
        where task_id = any($1::bigint[]) and status = 'queued' and owner is not null and scheduled_for > now() + interval '300 milliseconds'`,
      [ids],
    );
    return rows[0]?.n === ids.length;
  }, 30_000, 'fires claimed ahead');
}

interface Fire {
  id: string;
  task_id: string;
  at: number;
  status: string;
  trigger: string;
  runs: number;
}

async function firesOf(taskId: string): Promise<Fire[]> {
  const { rows } = await db.pool.query<Fire>(
    `select x.id::text as id, x.task_id::text as task_id, (extract(epoch from x.scheduled_for) * 1000)::float8 as at, x.status, x.trigger,
            (select count(*)::int from test_runs r where r.execution_id = x.id) as runs
       from executions x where x.task_id = $1 order by x.scheduled_for, x.id`,
    [taskId],
  );
  return rows;
}

/**
 * Stops or kills the replica while it holds fires ahead, keeps the cluster down for 3 s, starts a
 * new replica and checks what became of every fire due while it was down.
 */
async function restartAcross(signal: 'SIGTERM' | 'SIGKILL', env: Record<string, string>) {
  const { skip, runOnce } = await everySecondTasks();
  const a: ChildProcess = await spawnEngine(tdb.url, env);
  await heldAhead([skip, runOnce]);
  const down = Date.now();
  await stopChild(a, signal);
  const held = await db.pool.query<{ owned: number; unowned: number }>(
    `select count(*) filter (where owner is not null)::int as owned, count(*) filter (where owner is null)::int as unowned
       from executions where status = 'queued' and task_id = any($1::bigint[])`,
    [[skip, runOnce]],
  );
  // A fixed downtime on purpose: it must span a few of the every-second instants, and no event of a
  // process that is not running can say when enough of them have passed.
  await sleep(3000);
  const up = Date.now();
  await spawnEngine(tdb.url, env);
  // The catch-up, then an ordinary fire after it: the restarted replica is past its start-up.
  await until(async () => {
    const xs = await firesOf(runOnce);
    const c = xs.find((x) => x.trigger === 'catchup');
    return c && c.runs === 1 && xs.some((x) => x.at > c.at && x.runs === 1);
  }, 45_000, 'the catch-up and the next fire');
  await until(async () => (await firesOf(skip)).some((x) => x.at > up && x.runs === 1), 30_000, 'the skip task firing again');
  return { skip: await firesOf(skip), runOnce: await firesOf(runOnce), held: held.rows[0], down, up };
}

/** Due while nothing ran: fires after the shutdown up to the catch-up's instant (run_once) or the restart (skip). */
function checkPolicies(r: Awaited<ReturnType<typeof restartAcross>>) {
  const catchups = r.runOnce.filter((x) => x.trigger === 'catchup');
  expect(catchups).toHaveLength(1);
  const catchup = catchups[0] as Fire;
  expect(catchup.at).toBeGreaterThan(r.down);
  // Every fire of the downtime up to the catch-up's instant: one run (the catch-up), the rest missed.
  const coalesced = r.runOnce.filter((x) => x.at > r.down && x.at <= catchup.at);
  expect(coalesced.length).toBeGreaterThan(1);
  expect(coalesced.filter((x) => x.runs > 0)).toEqual([catchup]);
  expect(coalesced.filter((x) => x !== catchup).every((x) => x.status === 'missed')).toBe(true);
  // skip: nothing due in the downtime ran late, and what was due is on record as missed.
  const downtime = r.skip.filter((x) => x.at > r.down && x.at < r.up - 1000);
  expect(downtime.length).toBeGreaterThan(0);
  expect(downtime.filter((x) => x.runs > 0)).toEqual([]);
  expect(downtime.every((x) => x.status === 'missed' && x.trigger === 'schedule')).toBe(true);
  expect(r.skip.some((x) => x.trigger === 'catchup')).toBe(false);
  // Exactly once throughout.
  for (const x of [...r.skip, ...r.runOnce]) expect(x.runs).toBeLessThanOrEqual(1);
}

describe('restarts obey the misfire policy', () => {
  it('SIGTERM hands claimed fires back at once; after the restart skip runs none late and run_once runs one catchup', { timeout: 240_000 }, async () => {
    // A 30 s lease: fires left to their lease would still be held by the stopped process.
    const r = await restartAcross('SIGTERM', { LEASE_SECONDS: '30' });
    expect(r.held).toMatchObject({ owned: 0 });
    expect(r.held?.unowned).toBeGreaterThanOrEqual(2);
    checkPolicies(r);
  });

  it('SIGKILL leaves claimed fires owned; the restart takes them from the gone process at once and applies the policy', { timeout: 240_000 }, async () => {
    // The lease would keep them for 30 s: the restart sees that the process holding them is gone.
    const r = await restartAcross('SIGKILL', { LEASE_SECONDS: '30' });
    expect(r.held?.owned).toBeGreaterThanOrEqual(2);
    checkPolicies(r);
  });
});
