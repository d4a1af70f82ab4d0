// The events triggers (and the run-webhook trigger of executions) join a statement's old and new rows. PostgreSQL guesses one row for each
// transition table and PL/pgSQL keeps a session's first plan, so a connection that had done a few
// single-row updates joined 10,000 rows by nested loop (100,000,000 comparisons, 12–20 s with the
// rows locked). These tests read the plan PostgreSQL actually runs inside the trigger (auto_explain,
// sent to this client) for a large update made on a connection that warmed the plan up first.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, seedUserTasks, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let client: pg.Client;
let userId: string;
const notices: string[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  client.on('notice', (n) => notices.push(String(n.message)));
  userId = await seedUserTasks(client, 'plans', 2000);
  await client.query(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, owner, lease_until)
     select id, user_id, 'queued', 'schedule', 1, now(), 'me', now() + interval '1 hour' from tasks where user_id = $1`,
    [userId],
  );
});

afterAll(async () => {
  await client?.end();
  await tdb?.drop();
});

/** The plans auto_explain reports for the trigger's join during `sql`, after `warm` single-row updates. */
async function joinPlans(warm: (i: number) => Promise<unknown>, sql: string): Promise<string[]> {
  for (let i = 1; i <= 8; i++) await warm(i);
  await client.query(`load 'auto_explain'`);
  await client.query(`set auto_explain.log_min_duration = 0`);
  await client.query(`set auto_explain.log_nested_statements = on`);
  await client.query(`set client_min_messages = log`);
  notices.length = 0;
  try {
    await client.query(sql);
  } finally {
    await client.query(`set auto_explain.log_min_duration = -1`);
    await client.query(`reset client_min_messages`);
  }
  return notices.filter((n) => n.includes('join old_rows o on o.id = n.id'));
}

describe('the events triggers on large updates', () => {
  it('join the old and new rows of 2,000 executions by hash, not by nested loop', async () => {
    const plans = await joinPlans(
      (i) => client.query(`update executions set lease_until = now() + interval '2 hours' where id = (select min(id) + $1 from executions)`, [i]),
      `update executions set status = 'running', started_at = now() where owner = 'me' and status = 'queued'`,
    );
    // The events trigger's and the run webhooks' (lean_finish_path).
    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      expect(plan).toContain('Hash Join');
      expect(plan).not.toContain('Nested Loop');
    }
    const { rows } = await client.query(`select count(*)::int as n from events where type = 'execution.started'`);
    expect(rows[0].n).toBe(2000);
  });

  it('join the old and new rows of 2,000 tasks by hash, not by nested loop', async () => {
    const plans = await joinPlans(
      (i) => client.query(`update tasks set name = name || '.' where id = (select min(id) + $1 from tasks)`, [i]),
      `update tasks set prompt = 'changed' where user_id = ${Number(userId)}`,
    );
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain('Hash Join');
    expect(plans[0]).not.toContain('Nested Loop');
  });
});
