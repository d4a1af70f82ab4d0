import type pg from 'pg';
import type { StoredSchedule } from '../models/task.ts';

// scheduler_meta's 'rules' entry (the tz/cron signature stored next_run_at values were computed
// under) and the batch reads/writes of a recomputation. The caller holds `lockRules` on one
// client for the whole recomputation.

const RULES_LOCK = 7_361_524_902;

export async function lockRules(client: pg.ClientBase): Promise<void> {
  await client.query('select pg_advisory_lock($1)', [RULES_LOCK]);
}

export async function unlockRules(client: pg.ClientBase): Promise<void> {
  await client.query('select pg_advisory_unlock($1)', [RULES_LOCK]);
}

export async function readRulesSignature(client: pg.ClientBase): Promise<string | undefined> {
  const { rows } = await client.query<{ value: string }>(`select value from scheduler_meta where key = 'rules'`);
  return rows[0]?.value;
}

export async function writeRulesSignature(client: pg.ClientBase, signature: string): Promise<void> {
  await client.query(
    `insert into scheduler_meta (key, value) values ('rules', $1) on conflict (key) do update set value = excluded.value, updated_at = now()`,
    [signature],
  );
}

export interface CalendarTaskRow {
  id: string;
  schedule: StoredSchedule;
  timezone: string;
  start_ms: number | null;
  end_ms: number | null;
}

/** Enabled cron/rrule tasks with a future next run, by id after `after`. */
export async function selectCalendarTasksAfter(client: pg.ClientBase, after: string, limit: number): Promise<CalendarTaskRow[]> {
  const { rows } = await client.query<CalendarTaskRow>(
    `select id::text as id, schedule, timezone,
            (extract(epoch from start_at) * 1000)::float8 as start_ms, (extract(epoch from end_at) * 1000)::float8 as end_ms
       from tasks
      where enabled and next_run_at > now() and schedule->>'kind' in ('cron', 'rrule') and id > $1::bigint
      order by id limit $2`,
    [after, limit],
  );
  return rows;
}

/** Sets recomputed next runs, leaving a task alone if its next run came due meanwhile. */
export async function updateFutureNextRuns(client: pg.ClientBase, ids: string[], next: (string | null)[]): Promise<void> {
  await client.query(
    `update tasks t set next_run_at = v.next from unnest($1::bigint[], $2::timestamptz[]) as v(id, next)
      where t.id = v.id and t.next_run_at > now()`,
    [ids, next],
  );
}
