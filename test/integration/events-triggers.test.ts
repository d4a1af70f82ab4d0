import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { pruneEvents, readHead, readSince, START } from '../../src/store/events.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertTasks, insertUser } from '../support/engine.ts';
import { until } from '../support/poll.ts';

let tdb: TestDatabase;
let db: Database;
let userId: string;
let listener: pg.Client;
const notifications: string[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  userId = await insertUser(db, 'events');
  listener = new pg.Client({ connectionString: tdb.url });
  await listener.connect();
  listener.on('notification', (n) => notifications.push(n.payload ?? ''));
  await listener.query('listen tickler_events');
});
afterAll(async () => {
  await listener?.end();
  await tdb?.drop();
});
beforeEach(async () => {
  await db.pool.query('truncate events');
  notifications.length = 0;
});

const events = async () =>
  (await db.pool.query<{ id: string; type: string; task_id: string | null; execution_id: string | null; data: any }>('select id::text, type, task_id::text, execution_id::text, data from events order by events.id')).rows;
const hourly = (n: number) => Array.from({ length: n }, () => ({ schedule: { kind: 'cron', cron: '0 * * * *' }, nextRunAt: new Date(Date.now() + 3_600_000) }));

/** Gives a NOTIFY sent by a committed statement time to arrive (one sent after it has), then returns what came. */
async function settled(): Promise<string[]> {
  await db.pool.query('select pg_notify($1, $2)', ['tickler_events', 'marker']);
  await until(() => notifications.includes('marker'), 3000, 'the marker notification');
  return notifications.filter((n) => n !== 'marker');
}

describe('event triggers', () => {
  it('writes one event per row and sends no NOTIFY (a notifying commit holds a database-wide lock until it is flushed)', async () => {
    const tasks = await insertTasks(db, userId, hourly(500));
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for)
       select t, $2, case when i % 2 = 0 then 'queued' else 'missed' end, case when i % 4 = 0 then 'schedule' else 'manual' end, now()
         from unnest($1::bigint[]) with ordinality as v(t, i)`,
      [tasks, userId],
    );
    const rows = await events();
    expect(rows.filter((e) => e.type === 'task.created')).toHaveLength(500);
    // Scheduled claims are not announced as queued (their "started" follows within the look-ahead window).
    expect(rows.filter((e) => e.type === 'execution.queued')).toHaveLength(125);
    expect(rows.filter((e) => e.type === 'execution.missed')).toHaveLength(250);
    expect(await settled()).toEqual([]);
    // The reader walks them in the same (numeric) order.
    expect((await readSince(db.pool, START, 5000)).map((e) => e.id)).toEqual(rows.map((e) => e.id));
    expect(rows.find((e) => e.type === 'execution.queued')?.data).toEqual({ status: 'queued', trigger: 'manual', attempt: 1, dryRun: false });
  });

  it('records execution status changes only, naming running "started"', async () => {
    const [task] = await insertTasks(db, userId, hourly(1));
    await db.pool.query(`insert into executions (task_id, user_id, status, trigger, scheduled_for) select $1, $2, 'queued', 'manual', now() - i * interval '1 minute' from generate_series(1, 3) i`, [task, userId]);
    await db.pool.query('truncate events');
    notifications.length = 0;
    // Lease renewals and re-claims: no status change, no event and no notification.
    await db.pool.query(`update executions set lease_until = now() + interval '30 seconds', epoch = epoch + 1 where task_id = $1`, [task]);
    expect(await events()).toEqual([]);
    await db.pool.query(`update executions set status = 'running', started_at = now() where task_id = $1`, [task]);
    await db.pool.query(`update executions set status = 'failed' where id = (select min(id) from executions where task_id = $1)`, [task]);
    expect((await events()).map((e) => e.type)).toEqual(['execution.started', 'execution.started', 'execution.started', 'execution.failed']);
    expect(await settled()).toEqual([]);
  });

  it('ignores task updates that only move next_run_at or updated_at, and records the rest', async () => {
    const [task] = await insertTasks(db, userId, hourly(1));
    await db.pool.query('truncate events');
    await db.pool.query(`update tasks set next_run_at = next_run_at + interval '1 hour', updated_at = now() where id = $1`, [task]);
    expect(await events()).toEqual([]);
    await db.pool.query(`update tasks set last_status = 'succeeded' where id = $1`, [task]);
    await db.pool.query(`update tasks set enabled = false, name = 'renamed' where id = $1`, [task]);
    await db.pool.query('delete from tasks where id = $1', [task]);
    const rows = await events();
    expect(rows.map((e) => e.type)).toEqual(['task.updated', 'task.updated', 'task.deleted']);
    expect(rows[0]?.data).toMatchObject({ lastStatus: 'succeeded' });
    expect(rows[1]?.data).toMatchObject({ name: 'renamed', enabled: false });
    expect(rows[2]).toMatchObject({ task_id: task, data: { name: 'renamed' } });
    expect(await settled()).toEqual([]);
  });

  it('leaves no function that notifies the events channel (a later migration must not bring it back)', async () => {
    const { rows } = await db.pool.query<{ proname: string }>(
      `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = current_schema() and (p.prosrc like '%tickler_events_notify%' or p.prosrc like '%pg_notify(''tickler_events''%')`,
    );
    expect(rows).toEqual([]);
  });

  it('compares every task column but next_run_at and updated_at (a new column must be added to the trigger)', async () => {
    const { rows: cols } = await db.pool.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_schema = current_schema() and table_name = 'tasks' and column_name not in ('id', 'next_run_at', 'updated_at')`,
    );
    const { rows } = await db.pool.query<{ def: string }>(`select pg_get_functiondef('tickler_events_tasks_update'::regproc) as def`);
    const def = rows[0]?.def ?? '';
    const missing = cols.map((c) => c.column_name).filter((c) => !def.includes(`n.${c},`) && !def.includes(`n.${c})`));
    expect(missing).toEqual([]);
  });

  it('records notifications created and read', async () => {
    const { rows } = await db.pool.query<{ id: string }>(`insert into notifications (user_id, title, body) values ($1, 'Hi', 'there') returning id::text`, [userId]);
    await db.pool.query('update notifications set read_at = now() where id = $1', [rows[0]?.id]);
    await db.pool.query('update notifications set read_at = now() where id = $1', [rows[0]?.id]);
    expect((await events()).map((e) => [e.type, e.data.notificationId])).toEqual([
      ['notification.created', rows[0]?.id],
      ['notification.read', rows[0]?.id],
    ]);
    expect(await settled()).toEqual([]);
  });
});

describe('reading the log', () => {
  it('never skips an event whose transaction commits after a later one’s', async () => {
    const start = await readHead(db.pool);
    // Another user: a task insert locks its owner's row (the task_count trigger), so the same user's
    // second insert would wait for the first transaction instead of committing before it.
    const other = await insertUser(db, 'events-other');
    const slow = await db.pool.connect();
    try {
      await slow.query('begin');
      await insertTasksWith(slow, 'slow');
      await insertTasks(db, other, hourly(1)); // a later id, committed first
      // Held back while the older transaction is open: delivering the later event now would move
      // the cursor past the earlier one for good.
      expect(await readSince(db.pool, start, 100)).toEqual([]);
      await slow.query('commit');
    } finally {
      slow.release();
    }
    const after = await readSince(db.pool, start, 100);
    expect(after.map((e) => e.data.name)).toEqual(['slow', 'task 1']);
    expect(BigInt(after[0]?.id as string) < BigInt(after[1]?.id as string)).toBe(true);
    expect(await readSince(db.pool, after[1]?.cursor ?? start, 100)).toEqual([]);
  });

  it('prunes old events in bounded batches', async () => {
    await insertTasks(db, userId, hourly(30));
    await db.pool.query(`update events set created_at = now() - interval '2 days' where id in (select id from events order by id limit 25)`);
    expect(await pruneEvents(db.pool, 24 * 3_600_000, 10)).toBe(25);
    expect(await events()).toHaveLength(5);
  });
});

async function insertTasksWith(client: pg.PoolClient, name: string): Promise<void> {
  await client.query(`insert into tasks (user_id, name, schedule, timezone) values ($1, $2, '{"kind":"cron","cron":"0 * * * *"}', 'UTC')`, [userId, name]);
}
