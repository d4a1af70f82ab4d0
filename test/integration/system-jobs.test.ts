import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import type { RunRequest } from '../../src/scheduler/runner-port.ts';
import { type SystemJob, createSystemJobRunner, defineSystemJobs } from '../../src/scheduler/system-jobs.ts';
import { syncSystemJobs } from '../../src/scheduler/system-jobs-sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { children, spawnEngine, stopChild } from '../support/engine-process.ts';
import { startEngine, ticked } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { until } from '../support/poll.ts';

let tdb: TestDatabase;
let db: Database;
const engines: Engine[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(20);
  await db.pool.query('create table test_runs (execution_id bigint not null, pid int not null, at timestamptz not null default now())');
});

afterEach(async () => {
  await Promise.all([...children].map((c) => stopChild(c, 'SIGKILL')));
  await Promise.all(engines.splice(0).map((e) => e.stop(0)));
  await db.pool.query(`truncate test_runs; delete from tasks where kind = 'system'`);
});

afterAll(async () => {
  await tdb?.drop();
});

const job = (name: string, cron: string, description = `${name} (test)`): SystemJob => ({ name, cron, timezone: 'UTC', description, run: async () => 'ok' });

async function systemRows() {
  const { rows } = await db.pool.query<{ name: string; cron: string; enabled: boolean; orphaned: boolean; next: number | null; description: string; owner: string }>(
    `select t.system_name as name, t.schedule->>'cron' as cron, t.enabled, t.orphaned, (extract(epoch from t.next_run_at) * 1000)::float8 as next,
            t.description, u.name as owner
       from tasks t join users u on u.id = t.user_id where t.kind = 'system' order by t.system_name`,
  );
  return rows;
}

describe('the system job registry, upserted at start-up', () => {
  it('inserts new jobs, updates changed ones, orphans removed ones and restores them when they come back', async () => {
    const now = new Date('2026-11-25T10:20:00Z');
    const first = await syncSystemJobs(db.pool, [job('a', '0 * * * *'), job('b', '0 0 * * *')], now);
    expect(first).toEqual({ inserted: ['a', 'b'], rescheduled: [], restored: [], orphaned: [] });
    expect(await systemRows()).toEqual([
      { name: 'a', cron: '0 * * * *', enabled: true, orphaned: false, next: Date.parse('2026-11-25T11:00:00Z'), description: 'a (test)', owner: 'system' },
      { name: 'b', cron: '0 0 * * *', enabled: true, orphaned: false, next: Date.parse('2026-11-26T00:00:00Z'), description: 'b (test)', owner: 'system' },
    ]);

    // A restart with the same code changes nothing (next runs are not pushed back).
    const again = await syncSystemJobs(db.pool, [job('a', '0 * * * *'), job('b', '0 0 * * *')], new Date('2026-11-25T10:40:00Z'));
    expect(again).toEqual({ inserted: [], rescheduled: [], restored: [], orphaned: [] });
    expect((await systemRows()).map((r) => r.next)).toEqual([Date.parse('2026-11-25T11:00:00Z'), Date.parse('2026-11-26T00:00:00Z')]);

    // b's fires claimed under its old cron must not run after the change.
    const { rows: ids } = await db.pool.query(`select id, user_id from tasks where system_name in ('a', 'b') order by system_name`);
    await db.pool.query(`insert into executions (task_id, user_id, status, trigger, scheduled_for) values ($1, $2, 'queued', 'schedule', now()), ($3, $4, 'queued', 'schedule', now())`, [
      ids[0].id,
      ids[0].user_id,
      ids[1].id,
      ids[1].user_id,
    ]);
    const later = new Date('2026-11-25T12:05:00Z');
    const second = await syncSystemJobs(db.pool, [job('b', '30 1 * * *', 'b, changed'), job('c', '*/5 * * * *')], later);
    expect(second).toEqual({ inserted: ['c'], rescheduled: ['b'], restored: [], orphaned: ['a'] });
    expect(await systemRows()).toEqual([
      { name: 'a', cron: '0 * * * *', enabled: false, orphaned: true, next: null, description: 'a (test)', owner: 'system' },
      { name: 'b', cron: '30 1 * * *', enabled: true, orphaned: false, next: Date.parse('2026-11-26T01:30:00Z'), description: 'b, changed', owner: 'system' },
      { name: 'c', cron: '*/5 * * * *', enabled: true, orphaned: false, next: Date.parse('2026-11-25T12:10:00Z'), description: 'c (test)', owner: 'system' },
    ]);
    const { rows: queued } = await db.pool.query(`select count(*)::int as n from executions where status = 'queued' and task_id = any($1::bigint[])`, [ids.map((r) => r.id)]);
    expect(queued[0].n).toBe(0);

    const third = await syncSystemJobs(db.pool, [job('a', '0 * * * *'), job('b', '30 1 * * *', 'b, changed'), job('c', '*/5 * * * *')], later);
    expect(third).toEqual({ inserted: [], rescheduled: [], restored: ['a'], orphaned: [] });
    expect((await systemRows())[0]).toMatchObject({ name: 'a', enabled: true, orphaned: false, next: Date.parse('2026-11-25T13:00:00Z') });
  });

  it('creates no twins when replicas start together', async () => {
    const jobs = [job('x', '0 * * * *'), job('y', '15 * * * *')];
    const results = await Promise.all(Array.from({ length: 5 }, () => syncSystemJobs(db.pool, jobs, new Date())));
    expect(results.flatMap((r) => r.inserted).sort()).toEqual(['x', 'y']);
    expect((await systemRows()).map((r) => r.name)).toEqual(['x', 'y']);
  });

  it('refuses a registry with a bad cron or a duplicate name at start-up', () => {
    expect(() => defineSystemJobs([job('a', 'not a cron')])).toThrow(/system job "a"/);
    expect(() => defineSystemJobs([job('a', '* * * * *'), job('a', '* * * * *')])).toThrow(/declared twice/);
    expect(() => defineSystemJobs([job('Bad Name', '* * * * *')])).toThrow(/kebab-case/);
  });
});

describe('system jobs in the engine', () => {
  it('fires a system job once per occurrence with two engine processes', { timeout: 60_000 }, async () => {
    // Both replicas upsert the same registry at start, then share its per-second fires.
    await Promise.all([spawnEngine(tdb.url, { SYSTEM_JOB_CRON: '* * * * * *' }), spawnEngine(tdb.url, { SYSTEM_JOB_CRON: '* * * * * *' })]);
    const { rows: tasks } = await db.pool.query(`select id::text as id from tasks where system_name = 'tick'`);
    expect(tasks).toHaveLength(1);
    const taskId = tasks[0].id;
    const done = async () =>
      (await db.pool.query(`select count(*)::int as n from executions where task_id = $1 and status = 'succeeded'`, [taskId])).rows[0].n as number;
    // Other processes: their engines' events cannot be awaited from here, so the rows are polled.
    await until(async () => (await done()) >= 6, 30_000, 'six runs of the system job');
    const runs = await db.pool.query(
      `select x.id, x.trigger, x.output, count(r.execution_id)::int as starts
         from executions x left join test_runs r on r.execution_id = x.id
        where x.task_id = $1 and x.status = 'succeeded' group by x.id order by x.scheduled_for`,
      [taskId],
    );
    expect(runs.rows.filter((r) => r.starts !== 1)).toEqual([]);
    expect(runs.rows.every((r) => r.trigger === 'schedule' || r.trigger === 'catchup')).toBe(true);
    expect(runs.rows[0].output).toMatch(/^tick from \d+$/);
    const pids = await db.pool.query(`select count(distinct pid)::int as n from test_runs`);
    expect(pids.rows[0].n).toBeGreaterThanOrEqual(1);
    const dupes = await db.pool.query(`select execution_id from test_runs group by execution_id having count(*) > 1`);
    expect(dupes.rows).toEqual([]);
  });

  it('never fires an orphaned job', async () => {
    const tick: SystemJob = { ...job('tick', '* * * * * *'), run: async () => 'ran' };
    await syncSystemJobs(db.pool, [tick], new Date());
    await syncSystemJobs(db.pool, [], new Date());
    const clock = new ManualClock();
    const config = loadConfig({ DATABASE_URL: db.url });
    const runJob = createSystemJobRunner(defineSystemJobs([tick]), { db, clock, logger: createLogger('silent', false), config });
    const calls: RunRequest[] = [];
    const e = await startEngine(
      db,
      async (req) => {
        calls.push(req);
        return runJob(req);
      },
      { clock },
    );
    engines.push(e);
    // Past the per-second fires a live job would have had claimed (at start, and by a poll during the move).
    const polled = ticked(e, 'claim poll');
    await clock.advance(2500);
    await polled;
    expect(calls).toEqual([]);
    const { rows } = await db.pool.query(`select count(*)::int as n from executions x join tasks t on t.id = x.task_id where t.system_name = 'tick'`);
    expect(rows[0].n).toBe(0);
  });
});
