// bench/events.ts — what the event triggers cost the engine's set-based writes: each statement
// timed with the triggers on and off, on a fresh embedded PostgreSQL (fsync on, as in production).
//   node bench/events.ts [--rows 10000] [--runs 7]
// Prints a table and writes bench/results/events.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { machine, table } from './lib.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' }, runs: { type: 'string', default: '7' } } });
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);

const TRIGGERS: Record<string, string[]> = {
  executions: ['events_executions_insert', 'events_executions_update'],
  tasks: ['events_tasks_insert', 'events_tasks_update', 'events_tasks_delete'],
};

async function triggers(pool: pg.Pool, on: boolean): Promise<void> {
  for (const [tableName, names] of Object.entries(TRIGGERS)) {
    for (const n of names) await pool.query(`alter table ${tableName} ${on ? 'enable' : 'disable'} trigger ${n}`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timed(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const t0 = performance.now();
  await pool.query(sql, params);
  return performance.now() - t0;
}

async function main() {
  const logger = createLogger('warn', false);
  const dir = await mkdtemp(join(tmpdir(), 'tickler-bench-events-'));
  const pgServer = await startEmbeddedPostgres({ dataDir: dir, logger });
  const db = await openDatabase({ url: pgServer.url, logger, migrate: true, poolSize: 4 });
  const pool = db.pool;
  try {
    const { rows } = await pool.query<{ id: string }>(`insert into users (name) values ('bench') returning id::text as id`);
    const userId = (rows[0] as { id: string }).id;
    // As many tasks as rows: the claim inserts one execution per task and advances each task.
    await pool.query(
      `insert into tasks (user_id, name, schedule, timezone, next_run_at)
       select $1, 'task ' || i, '{"kind":"cron","cron":"* * * * *"}', 'UTC', now() + interval '1 hour' from generate_series(1, $2) i`,
      [userId, ROWS],
    );
    const cases: Array<{ name: string; prepare?: string; sql: string }> = [
      {
        name: `INSERT ${ROWS} executions (claim)`,
        prepare: 'delete from executions',
        sql: `insert into executions (task_id, user_id, status, trigger, scheduled_for, owner, lease_until)
              select id, user_id, 'queued', 'schedule', now() + interval '1 hour', 'bench', now() + interval '30 seconds' from tasks`,
      },
      {
        name: `UPDATE ${ROWS} executions queued → running (starts)`,
        prepare: `update executions set status = 'queued'`,
        sql: `update executions set status = 'running', started_at = now()`,
      },
      { name: `UPDATE ${ROWS} executions lease only (renewal, no event)`, sql: `update executions set lease_until = now() + interval '30 seconds'` },
      { name: `UPDATE ${ROWS} tasks next_run_at only (claim, no event)`, sql: `update tasks set next_run_at = next_run_at + interval '1 minute'` },
      { name: `UPDATE ${ROWS} tasks last_status (finishes)`, prepare: `update tasks set last_status = null`, sql: `update tasks set last_status = 'succeeded', updated_at = now()` },
    ];
    const out: Array<{ case: string; offMs: number; onMs: number; overheadMs: number; events: number }> = [];
    for (const c of cases) {
      const off: number[] = [];
      const on: number[] = [];
      let events = 0;
      for (let i = 0; i < RUNS; i++) {
        // Alternate, so drift on a shared machine hits both sides alike.
        for (const enabled of i % 2 === 0 ? [false, true] : [true, false]) {
          await triggers(pool, false);
          if (c.prepare) await pool.query(c.prepare);
          await pool.query('truncate events');
          await pool.query('vacuum analyze executions, tasks');
          await triggers(pool, enabled);
          (enabled ? on : off).push(await timed(pool, c.sql));
          if (enabled) events = Number((await pool.query<{ n: string }>('select count(*) as n from events')).rows[0]?.n);
        }
      }
      const offMs = median(off);
      const onMs = median(on);
      out.push({ case: c.name, offMs: Math.round(offMs * 10) / 10, onMs: Math.round(onMs * 10) / 10, overheadMs: Math.round((onMs - offMs) * 10) / 10, events });
    }
    process.stdout.write(
      `${table(
        ['statement', 'triggers off (ms)', 'triggers on (ms)', 'overhead (ms)', 'events written'],
        out.map((r) => [r.case, r.offMs, r.onMs, r.overheadMs, r.events]),
      )}\n(median of ${RUNS} runs each)\n`,
    );
    mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
    writeFileSync(join(import.meta.dirname, 'results', 'events.json'), JSON.stringify({ machine: machine(), rows: ROWS, runs: RUNS, results: out }, null, 2));
  } finally {
    await db.close();
    await pgServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
