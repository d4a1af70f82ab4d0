import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { type Database, openDatabase } from '../../src/models/db.ts';
import { startEmbeddedPostgres } from '../../src/models/embedded.ts';
import { createTestDatabase, type TestDatabase, urlFor } from '../support/db.ts';
import { children, spawnEngine, stopChild } from '../support/engine-process.ts';
import { insertTasks, insertUser } from '../support/engine.ts';
import { until } from '../support/poll.ts';

async function prepare(db: Database) {
  await db.pool.query('create table if not exists test_runs (execution_id bigint not null, pid int not null, at timestamptz not null default now())');
  return insertUser(db);
}

const at = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 100) * 100);
const once = (when: Date) => ({ schedule: { kind: 'once', at: when.toISOString() }, nextRunAt: when });

afterEach(async () => {
  await Promise.all([...children].map((c) => stopChild(c, 'SIGKILL')));
});

// Engines in other processes, on real time: their events cannot be awaited from here, so the
// tests poll the rows (until) and wait out real downtime.
describe('separate engine processes on one PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(10);
  });
  afterAll(async () => tdb?.drop());

  it('fires 500 simultaneous tasks exactly once across three processes', async () => {
    const userId = await prepare(db);
    // 100 runs at a time each: no replica may hoard the 500 fires, so all three take part.
    const procs = await Promise.all([1, 2, 3].map(() => spawnEngine(tdb.url, { RUNNER_CONCURRENCY: '100', RUN_MS: '50' })));
    const ids = await insertTasks(db, userId, Array.from({ length: 500 }, () => once(at(2500))));
    await until(async () => {
      const { rows } = await db.pool.query(`select count(*)::int as n from executions where status = 'succeeded' and task_id = any($1::bigint[])`, [ids]);
      return rows[0].n === 500;
    }, 20_000, '500 successful runs');
    const runs = await db.pool.query(`select execution_id, count(*)::int as n, count(distinct pid)::int as pids from test_runs group by execution_id`);
    expect(runs.rows).toHaveLength(500);
    expect(runs.rows.filter((r) => r.n > 1)).toEqual([]);
    const perTask = await db.pool.query(`select task_id, count(*)::int as n from executions where task_id = any($1::bigint[]) group by task_id having count(*) <> 1`, [ids]);
    expect(perTask.rows).toEqual([]);
    const pids = await db.pool.query(`select count(distinct pid)::int as n from test_runs`);
    expect(pids.rows[0].n).toBe(3); // the work was shared
    await Promise.all(procs.map((p) => stopChild(p)));
  });

  it('after a SIGKILL, claimed fires run exactly once and orphaned runs are interrupted and retried', async () => {
    await db.pool.query('truncate test_runs; delete from tasks');
    const userId = await prepare(db);
    const a = await spawnEngine(tdb.url, { RUN_MS: '4000', LEASE_SECONDS: '2' });
    const t1 = at(1000);
    const running = await insertTasks(db, userId, Array.from({ length: 50 }, () => once(t1)));
    const t2 = new Date(t1.getTime() + 1500);
    const claimed = await insertTasks(db, userId, Array.from({ length: 50 }, () => once(t2)));
    // Kill it while the first 50 run and the next 50 are claimed but not started.
    await until(async () => (await db.pool.query('select count(*)::int as n from test_runs')).rows[0].n === 50, 8000, 'the first runs');
    await until(async () => (await db.pool.query(`select count(*)::int as n from executions where task_id = any($1::bigint[])`, [claimed])).rows[0].n === 50, 3000, 'the claim');
    await stopChild(a, 'SIGKILL');
    await spawnEngine(tdb.url, { RUN_MS: '0', LEASE_SECONDS: '2' });
    const all = [...running, ...claimed];
    await until(async () => {
      const { rows } = await db.pool.query(`select count(distinct task_id)::int as n from executions where status = 'succeeded' and task_id = any($1::bigint[])`, [all]);
      return rows[0].n === 100;
    }, 20_000, 'every task to succeed');
    const xs = await db.pool.query<{ task_id: string; status: string; trigger: string; attempt: number }>(
      `select task_id::text, status, trigger, attempt from executions where task_id = any($1::bigint[]) order by task_id, id`,
      [all],
    );
    const byTask = new Map<string, string[]>();
    for (const x of xs.rows) byTask.set(x.task_id, [...(byTask.get(x.task_id) ?? []), `${x.status}/${x.trigger}/${x.attempt}`]);
    for (const id of running) expect(byTask.get(id)).toEqual(['interrupted/schedule/1', 'succeeded/retry/2']);
    // Re-claimed more than a second past its instant, a fire is a misfire: run_once runs it as the catch-up.
    for (const id of claimed) expect(['succeeded/schedule/1', 'succeeded/catchup/1']).toContain(byTask.get(id)?.join());
    const dupes = await db.pool.query(`select execution_id from test_runs group by execution_id having count(*) > 1`);
    expect(dupes.rows).toEqual([]);
  });

  it('runs a fire that came due while no scheduler was up once on restart, or records it missed under skip', async () => {
    await db.pool.query('truncate test_runs; delete from tasks');
    const userId = await prepare(db);
    const due = at(300);
    const [runOnce] = await insertTasks(db, userId, [once(due)]);
    const [skip] = await insertTasks(db, userId, [{ ...once(due), misfirePolicy: 'skip' }]);
    // No engine process is up (nothing to move a clock in): real downtime across the due time.
    await new Promise((r) => setTimeout(r, 1800));
    await spawnEngine(tdb.url);
    await until(async () => (await db.pool.query(`select 1 from executions where task_id = $1 and status = 'succeeded'`, [runOnce])).rows.length === 1, 8000, 'the catch-up');
    const xs = await db.pool.query(`select task_id::text, status, trigger from executions where task_id = any($1::bigint[]) order by task_id`, [[runOnce, skip]]);
    expect(xs.rows).toEqual([
      { task_id: runOnce, status: 'succeeded', trigger: 'catchup' },
      { task_id: skip, status: 'missed', trigger: 'schedule' },
    ]);
  });
});

describe('PostgreSQL restarted under a running engine', () => {
  it('reconnects and carries on; nothing is lost or doubled', { timeout: 60_000 }, async () => {
    const logger = createLogger('silent', false);
    const dir = await mkdtemp(join(tmpdir(), 'tickler-restart-'));
    let server = await startEmbeddedPostgres({ dataDir: dir, logger, settings: { fsync: 'off' } });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database restart_test');
    await admin.end();
    const url = urlFor(server.url, 'restart_test');
    let db = await openDatabase({ url, logger, migrate: true, poolSize: 4 });
    try {
      const userId = await prepare(db);
      await spawnEngine(url, { RUN_MS: '200' });
      const ids = await insertTasks(db, userId, Array.from({ length: 40 }, (_, i) => once(at(1000 + i * 150))));
      await db.close();
      // Real processes on real time: the engine process fires some tasks, then PostgreSQL is down
      // for a second while more come due.
      await new Promise((r) => setTimeout(r, 1800));
      await server.stop();
      await new Promise((r) => setTimeout(r, 1000));
      server = await startEmbeddedPostgres({ dataDir: dir, logger, settings: { fsync: 'off' } });
      db = await openDatabase({ url, logger, poolSize: 4 });
      await until(async () => {
        const { rows } = await db.pool.query(`select count(distinct task_id)::int as n from executions where status = 'succeeded' and task_id = any($1::bigint[])`, [ids]);
        return rows[0].n === 40;
      }, 30_000, 'all 40 tasks to run after the restart');
      const fires = await db.pool.query(`select task_id, count(*)::int as n from executions where task_id = any($1::bigint[]) and trigger in ('schedule', 'catchup') group by task_id`, [ids]);
      expect(fires.rows).toHaveLength(40);
      expect(fires.rows.every((r) => r.n === 1)).toBe(true);
      await until(async () => (await db.pool.query(`select count(*)::int as n from executions where status in ('queued', 'running')`)).rows[0].n === 0, 15_000, 'nothing left open');
    } finally {
      await Promise.all([...children].map((c) => stopChild(c, 'SIGKILL')));
      await db.close().catch(() => undefined);
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
