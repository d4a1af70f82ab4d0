import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { children, spawnEngine, stopChild } from '../support/engine-process.ts';
import { insertTasks, insertUser } from '../support/engine.ts';
import { until } from '../support/poll.ts';

// Crash resume through real processes: two replicas on one PostgreSQL with the product's heartbeat
// settings (every 2 s, dead after 6 s) and a 30 s lease, so only the heartbeat can explain a quick
// takeover. One is SIGKILLed (or SIGSTOPped) while it runs some fires and holds others.

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
  for (const c of children) if (c.signalCode === null && c.exitCode === null) c.kill('SIGCONT');
  await Promise.all([...children].map((c) => stopChild(c, 'SIGKILL')));
  await db.pool.query('truncate test_runs; delete from tasks; delete from scheduler_instances');
});

afterAll(async () => tdb?.drop());

const at = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 100) * 100);
const once = (when: Date) => ({ schedule: { kind: 'once', at: when.toISOString() }, nextRunAt: when });
const ENV = { LEASE_SECONDS: '30', HEARTBEAT_MS: '2000', REPLICA_DEAD_MS: '6000' };

async function runsBy(pid: number): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from test_runs where pid = $1', [pid]);
  return rows[0]?.n ?? 0;
}

/** The replica running more of the first fires (both run some: the burst is shared). */
async function busier(a: ChildProcess, b: ChildProcess): Promise<[victim: ChildProcess, survivor: ChildProcess]> {
  return (await runsBy(a.pid as number)) >= (await runsBy(b.pid as number)) ? [a, b] : [b, a];
}

async function history(ids: string[]) {
  const { rows } = await db.pool.query<{ task_id: string; id: string; status: string; trigger: string; attempt: number; owner: string | null; started_ms: number | null; runs: number }>(
    `select x.task_id::text as task_id, x.id::text as id, x.status, x.trigger, x.attempt, x.owner,
            (extract(epoch from x.started_at) * 1000)::float8 as started_ms,
            (select count(*)::int from test_runs r where r.execution_id = x.id) as runs
       from executions x where x.task_id = any($1::bigint[]) order by x.task_id, x.id`,
    [ids],
  );
  const byTask = new Map<string, typeof rows>();
  for (const r of rows) byTask.set(r.task_id, [...(byTask.get(r.task_id) ?? []), r]);
  return byTask;
}

const succeededTasks = async (ids: string[]) =>
  (await db.pool.query<{ n: number }>(`select count(distinct task_id)::int as n from executions where status = 'succeeded' and task_id = any($1::bigint[])`, [ids])).rows[0]?.n;

describe('a dead replica is taken over within seconds', () => {
  it('retries the runs of a SIGKILLed replica and fires what it held within 10 s, each exactly once', { timeout: 150_000 }, async () => {
    const [a, b] = await Promise.all([spawnEngine(tdb.url, { ...ENV, RUN_MS: '5000' }), spawnEngine(tdb.url, { ...ENV, RUN_MS: '5000' })]);
    const t1 = at(1500);
    const running = await insertTasks(db, userId, Array.from({ length: 40 }, () => once(t1)));
    const held = await insertTasks(db, userId, Array.from({ length: 40 }, () => once(new Date(t1.getTime() + 1500))));
    await until(async () => (await db.pool.query('select count(*)::int as n from test_runs')).rows[0].n === 40, 30_000, 'the first 40 runs');
    await until(async () => (await db.pool.query(`select count(*)::int as n from executions where task_id = any($1::bigint[])`, [held])).rows[0].n === 40, 15_000, 'the next 40 claimed');
    const [victim, survivor] = await busier(a as ChildProcess, b as ChildProcess);
    const victimId = (await db.pool.query<{ id: string }>('select id from scheduler_instances where pid = $1', [victim.pid])).rows[0]?.id;
    const victimHeld = (await db.pool.query<{ n: number }>(`select count(*)::int as n from executions where owner = $1 and status = 'queued'`, [victimId])).rows[0]?.n ?? 0;
    const killedAt = Date.now();
    await stopChild(victim, 'SIGKILL');

    const all = [...running, ...held];
    await until(async () => (await succeededTasks(all)) === 80, 30_000, 'every task to succeed');
    const byTask = await history(all);
    const taken: number[] = [];
    let retried = 0;
    for (const id of running) {
      const xs = byTask.get(id) ?? [];
      const first = xs[0];
      if (first?.owner === victimId || first?.status === 'interrupted') {
        expect(xs.map((x) => `${x.status}/${x.trigger}/${x.attempt}`)).toEqual(['interrupted/schedule/1', 'succeeded/retry/2']);
        taken.push((xs[1]?.started_ms as number) - killedAt);
        retried++;
      } else {
        expect(xs.map((x) => `${x.status}/${x.trigger}`)).toEqual(['succeeded/schedule']);
      }
    }
    expect(retried).toBeGreaterThan(0);
    // What the victim held unstarted runs once, late by the takeover: a misfire, run as the catch-up.
    for (const id of held) {
      const xs = byTask.get(id) ?? [];
      expect(xs).toHaveLength(1);
      expect(xs[0]?.status).toBe('succeeded');
      if (xs[0]?.trigger === 'catchup') taken.push((xs[0]?.started_ms as number) - killedAt);
    }
    expect(taken.length).toBeGreaterThanOrEqual(retried + victimHeld);
    const worst = Math.max(...taken);
    console.info(`takeover after SIGKILL: ${taken.length} fires and retries started ${Math.min(...taken).toFixed(0)}–${worst.toFixed(0)} ms after the kill`);
    expect(worst).toBeLessThanOrEqual(10_000);
    const dupes = await db.pool.query(`select execution_id from test_runs group by execution_id having count(*) > 1`);
    expect(dupes.rows).toEqual([]);
    expect(await runsBy(survivor.pid as number)).toBeGreaterThan(0);
  });

  it('a paused replica that wakes after the takeover records nothing over it', { timeout: 150_000 }, async () => {
    const [a, b] = await Promise.all([spawnEngine(tdb.url, { ...ENV, RUN_MS: '3000' }), spawnEngine(tdb.url, { ...ENV, RUN_MS: '3000' })]);
    const ids = await insertTasks(db, userId, Array.from({ length: 30 }, () => once(at(1500))));
    await until(async () => (await db.pool.query('select count(*)::int as n from test_runs')).rows[0].n === 30, 30_000, 'the 30 runs');
    const [victim] = await busier(a as ChildProcess, b as ChildProcess);
    const victimRuns = await db.pool.query<{ execution_id: string }>('select execution_id::text from test_runs where pid = $1', [victim.pid]);
    victim.kill('SIGSTOP');
    // Its runs would end 3 s in; the pause outlasts them and the heartbeat's 6 s.
    await until(async () => (await succeededTasks(ids)) === 30, 30_000, 'the survivor to retry and finish every run');
    victim.kill('SIGCONT');
    await until(
      async () => (await db.pool.query('select 1 from scheduler_instances where pid = $1', [victim.pid])).rows.length === 1,
      10_000,
      'the woken replica to heartbeat again',
    );
    // Its own runs end at once on waking (their time is up) and try to record; give that a moment.
    await new Promise((r) => setTimeout(r, 1500));
    const stale = await db.pool.query<{ status: string }>('select status from executions where id = any($1::bigint[])', [victimRuns.rows.map((r) => r.execution_id)]);
    expect(stale.rows.length).toBe(victimRuns.rows.length);
    expect(stale.rows.every((r) => r.status === 'interrupted')).toBe(true);
    const perTask = await db.pool.query(`select task_id from executions where task_id = any($1::bigint[]) and status = 'succeeded' group by task_id having count(*) <> 1`, [ids]);
    expect(perTask.rows).toEqual([]);
    const dupes = await db.pool.query(`select execution_id from test_runs group by execution_id having count(*) > 1`);
    expect(dupes.rows).toEqual([]);
  });
});
