import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { pruneExecutions } from '../../src/scheduler/jobs/prune-executions.ts';
import { pruneIdempotencyKeys } from '../../src/scheduler/jobs/prune-idempotency-keys.ts';
import { pruneNotifications } from '../../src/scheduler/jobs/prune-notifications.ts';
import type { RunRequest } from '../../src/scheduler/runner-port.ts';
import { createSystemJobRunner, defineSystemJobs, type SystemJobContext } from '../../src/scheduler/system-jobs.ts';
import { syncSystemJobs } from '../../src/scheduler/system-jobs-sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { advanceEngineTo, followClaims, insertTasks, insertUser, queueRun, recordedRuns, recordingRunner, startEngine } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

let tdb: TestDatabase;
let db: Database;
let userId: string;
const config = loadConfig({ DATABASE_URL: 'postgres://unused/x' });
const logger = createLogger('silent', false);

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(20);
  userId = await insertUser(db);
});

afterAll(async () => {
  await tdb?.drop();
});

function context(clock: Clock = systemClock): SystemJobContext {
  const execution = { id: '0', taskId: '0', userId: '0', attempt: 1, trigger: 'manual', scheduledFor: new Date(), epoch: 0, dryRun: false } as RunRequest['execution'];
  return { db, clock, logger, config, signal: new AbortController().signal, execution };
}

/**
 * `clock` as a job sees it, counting the pauses the job takes on it, so a test moves the clock
 * through each pause once the job has reached it (a job's database work takes real time).
 */
function pausesOn(clock: ManualClock) {
  let taken = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const seen: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (t) => clock.clearTimeout(t),
    sleep(ms, signal) {
      const slept = clock.sleep(ms, signal);
      taken++;
      for (const w of waiters.splice(0)) {
        if (taken >= w.n) w.resolve();
        else waiters.push(w);
      }
      return slept;
    },
  };
  /** Resolves once the job has taken its `n`th pause. */
  const paused = (n: number) => new Promise<void>((resolve) => (taken >= n ? resolve() : waiters.push({ n, resolve })));
  return { clock: seen, paused };
}

const count = async (sql: string, params: unknown[] = []) => (await db.pool.query<{ n: number }>(sql, params)).rows[0]?.n as number;

describe('prune-executions', () => {
  it('deletes only old finished executions and their steps, in batches, while the engine keeps firing', { timeout: 60_000 }, async () => {
    const [old] = (await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }])) as [string];
    // 600 runs finished 40 days ago with 5 steps each; 20 recent ones; old work still open.
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, finished_at)
       select $1, $2, (array['succeeded','failed','missed','skipped','cancelled','interrupted'])[1 + i % 6], 'schedule',
              now() - interval '40 days' - make_interval(secs => i), now() - interval '40 days', now() - interval '40 days' + make_interval(secs => i % 60)
         from generate_series(1, 600) i`,
      [old, userId],
    );
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, finished_at)
       select $1, $2, 'succeeded', 'schedule', now() - make_interval(days => i), now() - make_interval(days => i), now() - make_interval(days => i)
         from generate_series(1, 20) i`,
      [old, userId],
    );
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, owner, lease_until)
       values ($1, $2, 'queued', 'manual', now() - interval '41 days', 'elsewhere', now() + interval '1 hour'),
              ($1, $2, 'running', 'manual', now() - interval '42 days', 'elsewhere', now() + interval '1 hour'),
              ($1, $2, 'waiting', 'schedule', now() - interval '43 days', null, null)`,
      [old, userId],
    );
    await db.pool.query(
      `insert into execution_steps (execution_id, index, kind, started_at, duration_ms, data)
       select x.id, s, 'llm', x.started_at, 1, '{}'::jsonb from executions x, generate_series(0, 4) s where x.task_id = $1 and x.started_at is not null`,
      [old],
    );
    const doomed = await db.pool.query<{ id: string }>(`select id::text as id from executions where task_id = $1 and finished_at < now() - interval '30 days' order by id limit 1`, [old]);
    await db.pool.query(`insert into notifications (user_id, task_id, execution_id, title, body) values ($1, $2, $3, 'kept', 'its execution goes')`, [userId, old, doomed.rows[0]?.id]);
    expect(await count(`select count(*)::int as n from execution_steps`)).toBe(620 * 5);

    // The engine fires a task every second throughout, and runs the prune as a system job; both on
    // a manual clock, which the test moves through each of the prune's pauses between batches.
    const clock = new ManualClock();
    const anchor = new Date(Math.ceil(clock.now().getTime() / 1000) * 1000 + 1000);
    const [ticker] = (await insertTasks(db, userId, [
      { schedule: { kind: 'interval', everySeconds: 1, anchor: anchor.toISOString() }, nextRunAt: anchor, overlap: 'allow' },
    ])) as [string];
    const jobs = defineSystemJobs([
      { name: 'prune-executions', cron: '17 3 * * *', timezone: 'UTC', description: 'test', run: pruneExecutions({ retentionDays: 30, batchSize: 50, pauseMs: 150 }) },
    ]);
    await syncSystemJobs(db.pool, jobs, new Date());
    const job = pausesOn(clock);
    const runJob = createSystemJobRunner(jobs, { db, clock: job.clock, logger, config });
    const { run: runTask } = recordingRunner();
    // A window wide enough to claim the ticker's fires for the whole test at start (the database's clock does not move with ours).
    const engine = await startEngine(db, (req) => (req.execution.systemJob ? runJob(req) : runTask(req)), { clock, env: { SCHEDULER_LOOKAHEAD_MS: '8000' } });
    try {
      const ticks = recordedRuns(engine, 2, (f) => f.taskId === ticker);
      await advanceEngineTo(clock, engine, anchor.getTime() + 1000);
      expect((await ticks).map((f) => f.status)).toEqual(['succeeded', 'succeeded']);
      const { rows: jobRows } = await db.pool.query(`select id::text as id, user_id::text as user_id from tasks where system_name = 'prune-executions'`);
      const jobId = jobRows[0].id as string;
      // The run-now is stamped with the database's (real) time, which the moved clock has passed: it starts when claimed.
      followClaims(clock, engine);
      const pruned = recordedRuns(engine, 1, (f) => f.taskId === jobId);
      await queueRun(db, jobId, jobRows[0].user_id);
      // 600 rows in batches of 50: 13 batches, 12 pauses of 150 ms; the ticker fires on the way.
      for (let n = 1; n <= 12; n++) {
        await job.paused(n);
        await clock.advance(150);
      }
      await pruned;
      const { rows } = await db.pool.query(`select output, started_at, finished_at from executions where task_id = $1 and status = 'succeeded'`, [jobId]);
      const done = rows[0];
      expect(done.output).toMatch(/^deleted 600 executions and 3,000 steps finished before .* in 13 batches$/);
      // Fires went on during the prune: one per second, each run.
      const during = await db.pool.query(
        `select count(*)::int as n from executions where task_id = $1 and scheduled_for between $2 and $3 and status = 'succeeded'`,
        [ticker, done.started_at, done.finished_at],
      );
      expect(during.rows[0].n).toBeGreaterThanOrEqual(1);
    } finally {
      await engine.stop(0);
    }
    expect(await count(`select count(*)::int as n from executions where task_id = $1 and finished_at < now() - interval '30 days'`, [old])).toBe(0);
    expect(await count(`select count(*)::int as n from executions where task_id = $1 and finished_at >= now() - interval '30 days'`, [old])).toBe(20);
    expect(await count(`select count(*)::int as n from executions where task_id = $1 and status in ('queued', 'running', 'waiting')`, [old])).toBe(3);
    expect(await count(`select count(*)::int as n from execution_steps s join executions x on x.id = s.execution_id where x.task_id = $1`, [old])).toBe(20 * 5);
    expect(await count(`select count(*)::int as n from execution_steps s where not exists (select 1 from executions x where x.id = s.execution_id)`)).toBe(0);
    // a notification outlives the execution it came from
    expect((await db.pool.query(`select execution_id from notifications where title = 'kept'`)).rows).toEqual([{ execution_id: null }]);
  });

  it('stops between batches when its signal aborts', async () => {
    const [t] = (await insertTasks(db, userId, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: null, enabled: false }])) as [string];
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, finished_at)
       select $1, $2, 'succeeded', 'schedule', now() - interval '50 days' - make_interval(secs => i), now() - interval '50 days' from generate_series(1, 100) i`,
      [t, userId],
    );
    const clock = new ManualClock();
    const cutoff = new Date(clock.now().getTime() - 30 * 86_400_000);
    const job = pausesOn(clock);
    const abort = new AbortController();
    const ctx = { ...context(job.clock), signal: abort.signal };
    const pending = pruneExecutions({ retentionDays: 30, batchSize: 10, pauseMs: 100 })(ctx);
    // Two batches, then the abort arrives during the second pause (shutdown) and cuts it short.
    await job.paused(1);
    await clock.advance(100);
    await job.paused(2);
    abort.abort();
    expect(await pending).toBe(`deleted 20 executions and 0 steps finished before ${cutoff.toISOString()} in 2 batches (stopped early: shutting down)`);
    const left = await count(`select count(*)::int as n from executions where task_id = $1`, [t]);
    expect(left).toBe(80);
  });
});

describe('prune-notifications and prune-idempotency-keys', () => {
  it('deletes read notifications older than the retention, never unread ones', async () => {
    await db.pool.query(
      `insert into notifications (user_id, title, body, created_at, read_at) values
         ($1, 'old read', '', now() - interval '60 days', now() - interval '40 days'),
         ($1, 'old unread', '', now() - interval '60 days', null),
         ($1, 'recently read', '', now() - interval '60 days', now() - interval '2 days')`,
      [userId],
    );
    const out = await pruneNotifications({ retentionDays: 30, batchSize: 1 })(context());
    expect(out).toMatch(/^deleted 1 read notification older than 30 days/);
    const { rows } = await db.pool.query(`select title from notifications where user_id = $1 and title <> 'kept' order by id`, [userId]);
    expect(rows.map((r) => r.title)).toEqual(['old unread', 'recently read']);
  });

  it('deletes idempotency keys past 24 hours', async () => {
    await db.pool.query(
      `insert into idempotency_keys (user_id, key, request_hash, task_id, created_at) values
         ($1, 'old', 'h', 1, now() - interval '25 hours'), ($1, 'fresh', 'h', 1, now() - interval '1 hour')`,
      [userId],
    );
    expect(await pruneIdempotencyKeys()(context())).toBe('deleted 1 idempotency key older than 24 hours');
    const { rows } = await db.pool.query(`select key from idempotency_keys where user_id = $1`, [userId]);
    expect(rows).toEqual([{ key: 'fresh' }]);
  });
});
