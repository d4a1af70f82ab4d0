import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { resetMonthlyBudgets } from '../../src/scheduler/jobs/reset-budgets.ts';
import type { RunRequest } from '../../src/scheduler/runner-port.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertTasks, insertUser } from '../support/engine.ts';

let tdb: TestDatabase;
let db: Database;
let userId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  userId = await insertUser(db);
});

afterAll(async () => {
  await tdb?.drop();
});

const BUDGET = 'monthly token budget reached: 1200 of 1000 tokens used this month';
const hourly = { schedule: { kind: 'cron', cron: '0 * * * *' }, nextRunAt: null, enabled: false };

describe('reset-monthly-budgets', () => {
  it('resumes tasks paused for their budget once this month they are under it, and nothing else', async () => {
    const past = new Date(Date.now() - 86_400_000).toISOString();
    const ids = (await insertTasks(db, userId, [
      hourly, // 0: last month's tokens only → resumed
      hourly, // 1: over budget this month → stays
      hourly, // 2: paused for failures → stays
      { schedule: { kind: 'once', at: past }, nextRunAt: null, enabled: false }, // 3: no fire left → stays
      { schedule: null, nextRunAt: null, enabled: false }, // 4: runs after others → resumed, no next run
      hourly, // 5: budget raised above this month's use → resumed
    ])) as string[];
    await db.pool.query(`update tasks set monthly_token_budget = 1000, paused_reason = $2, consecutive_failures = 1 where id = any($1::bigint[])`, [ids, BUDGET]);
    await db.pool.query(`update tasks set paused_reason = 'paused after 5 consecutive failed runs; last error: x' where id = $1`, [ids[2]]);
    await db.pool.query(`update tasks set monthly_token_budget = 5000 where id = $1`, [ids[5]]);
    const use = async (taskId: string, tokens: number, startedAt: string) =>
      db.pool.query(
        `insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, finished_at, prompt_tokens)
         values ($1, $2, 'failed', 'schedule', ${startedAt}, ${startedAt}, ${startedAt}, $3)`,
        [taskId, userId, tokens],
      );
    const lastMonth = `date_trunc('month', now() at time zone 'UTC') at time zone 'UTC' - interval '1 day'`;
    const thisMonth = `date_trunc('month', now() at time zone 'UTC') at time zone 'UTC' + interval '1 second'`;
    await use(ids[0] as string, 1200, lastMonth);
    await use(ids[1] as string, 1500, thisMonth);
    await use(ids[5] as string, 1500, thisMonth);

    const execution = { id: '0', taskId: '0', userId: '0', attempt: 1, trigger: 'manual', scheduledFor: new Date(), epoch: 0, dryRun: false } as RunRequest['execution'];
    const out = await resetMonthlyBudgets()({
      db,
      clock: systemClock,
      logger: createLogger('silent', false),
      config: loadConfig({ DATABASE_URL: db.url }),
      signal: new AbortController().signal,
      execution,
    });
    expect(out).toBe('resumed 3 tasks paused for their monthly token budget');
    const { rows } = await db.pool.query<{ id: string; enabled: boolean; paused: boolean; has_next: boolean; cf: number }>(
      `select id::text as id, enabled, paused_reason is not null as paused, next_run_at is not null as has_next, consecutive_failures as cf
         from tasks where id = any($1::bigint[]) order by id`,
      [ids],
    );
    expect(rows.map((r) => [r.enabled, r.paused, r.has_next, r.cf])).toEqual([
      [true, false, true, 0],
      [false, true, false, 1],
      [false, true, false, 1],
      [false, true, false, 1],
      [true, false, false, 0],
      [true, false, true, 0],
    ]);
  });
});
