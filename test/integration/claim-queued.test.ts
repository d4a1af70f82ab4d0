// The claim of queued runs nobody holds (manual runs, retries, released fires): under POST /run they
// are the newest of the open executions, behind every fire a replica holds and every run in
// progress. They come from their own index, so a claim reads them and not the open executions
// before them; runs whose holder's lease ran out are only looked for when asked (the settling rounds).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimQueuedRows } from '../../src/store/claims.ts';
import { createTestDatabase, seedUserTasks, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let client: pg.Client;
const notices: string[] = [];
let expiredId: string;

const OPTS = { owner: 'claimer', windowMs: 5000, leaseMs: 30_000, misfireAfterMs: 1000 };

beforeAll(async () => {
  tdb = await createTestDatabase();
  client = new pg.Client({ connectionString: tdb.url });
  await client.connect();
  client.on('notice', (n) => notices.push(String(n.message)));
  await seedUserTasks(client, 'claims', 200);
  // 3,000 open executions a live replica holds (half queued for their instant, half running), older than the rest.
  await client.query(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, owner, lease_until)
     select t.id, t.user_id, case when g % 2 = 0 then 'running' else 'queued' end, 'manual', 1,
            now() - interval '20 s' + g * interval '1 ms', 'live', now() + interval '1 hour'
       from generate_series(1, 3000) g join tasks t on t.name = 't' || (1 + g % 200)`,
  );
  // One queued run of a holder whose lease ran out (it died before starting it), the oldest of all.
  const expired = await client.query<{ id: string }>(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, owner, lease_until)
     select id, user_id, 'queued', 'manual', 1, now() - interval '30 s', 'dead', now() - interval '1 s' from tasks where name = 't1'
     returning id::text as id`,
  );
  expiredId = expired.rows[0]?.id as string;
  // 50 manual runs just requested, unheld.
  await client.query(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for)
     select t.id, t.user_id, 'queued', 'manual', 1, now() + g * interval '1 ms'
       from generate_series(1, 50) g join tasks t on t.name = 't' || g`,
  );
  await client.query('analyze executions');
});

afterAll(async () => {
  await client?.end();
  await tdb?.drop();
});

/** Runs the claim in a transaction rolled back after, with the plan auto_explain reports for it. */
async function claim(limit: number, expired: boolean) {
  await client.query('begin');
  try {
    await client.query(`load 'auto_explain'`);
    await client.query(`set local auto_explain.log_min_duration = 0`);
    await client.query(`set local auto_explain.log_analyze = on`);
    await client.query(`set local client_min_messages = log`);
    notices.length = 0;
    const rows = await claimQueuedRows(client, { ...OPTS, limit, expired });
    const plan = notices.find((n) => n.includes('with unheld as')) ?? '';
    return { rows, plan };
  } finally {
    await client.query('rollback');
  }
}

describe('claiming queued runs nobody holds', () => {
  it('reads the unheld runs from their own index, not past the 3,000 open executions before them', async () => {
    const { rows, plan } = await claim(1000, false);
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.trigger === 'manual' && r.id !== expiredId)).toBe(true);
    // The unheld runs' scan, as PostgreSQL ran it: their index, and not one row read and thrown away.
    const unheld = plan.slice(plan.indexOf('CTE unheld'), plan.indexOf('CTE expired'));
    expect(unheld).toContain('Index Scan using executions_unclaimed');
    expect(unheld).not.toContain('Rows Removed by Filter');
  });

  it("takes a run whose holder's lease ran out only when asked, and within the limit", async () => {
    const asked = await claim(1000, true);
    expect(asked.rows).toHaveLength(51);
    expect(asked.rows.map((r) => r.id)).toContain(expiredId);
    // Its epoch moves on: the dead holder, were it to wake, can record nothing for it.
    expect(asked.rows.find((r) => r.id === expiredId)?.epoch).toBe(1);
    const full = await claim(50, true);
    expect(full.rows).toHaveLength(50);
    expect(full.rows.map((r) => r.id)).not.toContain(expiredId);
  });
});
