// The pool's connections plan named statements once (plan_cache_mode = force_generic_plan, see
// models/db.ts): the run path's batches were re-planned on every call. What pg_prepared_statements
// counts on the session that ran them is what PostgreSQL did, so these tests read it there.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { insertManualRuns } from '../../src/store/manual-runs.ts';
import { listRuns } from '../../src/store/runs.ts';
import { listTasks } from '../../src/store/tasks.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertTasks, insertUser } from '../support/engine.ts';

let tdb: TestDatabase;
let db: Database;
let client: pg.PoolClient;
let userId: string;
let tasks: string[];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(2);
  userId = await insertUser(db, 'plans');
  tasks = await insertTasks(db, userId, Array.from({ length: 400 }, () => ({ schedule: { kind: 'cron', cron: '0 9 * * *' }, nextRunAt: new Date(Date.now() + 86_400_000), overlap: 'allow' as const })));
  client = await db.pool.connect();
});
afterAll(async () => {
  client?.release();
  await tdb?.drop();
});

const prepared = async () =>
  (await client.query<{ name: string; statement: string; generic_plans: string; custom_plans: string }>('select name, statement, generic_plans::text, custom_plans::text from pg_prepared_statements')).rows;

describe('plans of named statements', () => {
  it('the run-now insert is planned once for batches of every size, and its answers are right', async () => {
    const base = Date.parse('2026-12-07T10:00:00Z');
    let made = 0;
    // Batch sizes from 1 to 300: a plan fitted to one size would have been re-made for the next.
    for (const size of [1, 4, 1, 32, 300, 2, 7, 1, 120]) {
      const runs = Array.from({ length: size }, (_, i) => ({ taskId: tasks[i] as string, userId, dryRun: false, at: new Date(base + made + i).toISOString() }));
      made += size;
      const out = await insertManualRuns(client, runs);
      expect(out).toHaveLength(size);
      expect(out.every((o) => o.id !== null && !o.busy)).toBe(true);
    }
    const row = (await prepared()).find((p) => p.name === 'api_insert_manual_runs');
    expect(row).toBeDefined();
    expect(Number(row?.custom_plans)).toBe(0);
    expect(Number(row?.generic_plans)).toBeGreaterThan(0);
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from executions where trigger = 'manual'`);
    expect(rows[0]?.n).toBe(made);
  });

  it('pages with optional filters stay unnamed, planned for the values given', async () => {
    const first = await listTasks(client, userId, { limit: 50 });
    const next = await listTasks(client, userId, { limit: 50, cursor: first[49]?.id as string });
    expect(next[0]?.id).toBe(String(BigInt(first[49]?.id as string) - 1n));
    await listRuns(client, { userId, status: 'queued', limit: 10 });
    await listRuns(client, { userId, taskId: tasks[0] as string, limit: 10 });
    const statements = (await prepared()).map((p) => p.statement);
    expect(statements.some((s) => s.includes('is null or t.id <'))).toBe(false);
    expect(statements.some((s) => s.includes('is null or e.status ='))).toBe(false);
  });
});
