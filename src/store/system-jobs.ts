// Statements on the tasks of kind `system` (src/scheduler/system-jobs-sync.ts upserts them).
import type pg from 'pg';
import { type StoredSchedule, Task } from '../models/task.ts';
import { columnsOf, rowMapper } from './columns.ts';

// Replicas starting together take turns: each sees what the previous one wrote.
const SYSTEM_JOBS_LOCK = 7_361_524_904;

/** Waits for the system-jobs lock, held until the transaction ends. */
export async function lockSystemJobs(client: pg.ClientBase): Promise<void> {
  await client.query('select pg_advisory_xact_lock($1)', [SYSTEM_JOBS_LOCK]);
}

/** The id of the built-in system user (migration Migration20261125040000_jobs), or null. */
export async function findSystemUser(db: pg.Pool | pg.ClientBase): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>('select id::text as id from users where is_system');
  return rows[0]?.id ?? null;
}

export interface StoredSystemJob {
  id: string;
  systemName: string;
  schedule: StoredSchedule | null;
  timezone: string;
  orphaned: boolean;
  enabled: boolean;
  nextRunAt: Date | null;
}

const toSystemJob = rowMapper<StoredSystemJob>(Task);

/** Every system job, locked (no key update). */
export async function lockStoredSystemJobs(client: pg.ClientBase): Promise<StoredSystemJob[]> {
  const { rows } = await client.query(`select ${columnsOf(Task)} from tasks where kind = 'system' for no key update`);
  return rows.map(toSystemJob);
}

export interface SystemJobRow {
  name: string;
  schedule: StoredSchedule;
  timezone: string;
  description: string;
  /** ISO instant of the next run, or null. */
  nextRunAt: string | null;
}

/** Inserts the job owned by `systemUser`; false when one of that name exists already. */
export async function insertSystemJob(client: pg.ClientBase, systemUser: string, job: SystemJobRow): Promise<boolean> {
  const { rowCount } = await client.query(
    `insert into tasks (user_id, name, prompt, schedule, timezone, kind, system_name, description, next_run_at,
                        max_attempts, misfire_policy, overlap, pause_after_failures)
     values ($1, $2, '', $3::jsonb, $4, 'system', $2, $5, $6, 3, 'run_once', 'skip', 0)
     on conflict (system_name) where system_name is not null do nothing`,
    [systemUser, job.name, JSON.stringify(job.schedule), job.timezone, job.description, job.nextRunAt],
  );
  return (rowCount ?? 0) > 0;
}

/** Writes the declaration over the stored job, enables it, and moves its next run only when `recompute`. */
export async function updateSystemJob(client: pg.ClientBase, id: string, job: SystemJobRow, recompute: boolean): Promise<void> {
  await client.query(
    `update tasks set name = $2, schedule = $3::jsonb, timezone = $4, description = $5, orphaned = false, enabled = true,
            paused_reason = null, next_run_at = case when $6 then $7::timestamptz else next_run_at end, updated_at = now()
      where id = $1`,
    [id, job.name, JSON.stringify(job.schedule), job.timezone, job.description, recompute, job.nextRunAt],
  );
}

/** Marks the jobs orphaned: disabled, no next run, kept with their history. */
export async function orphanSystemJobs(client: pg.ClientBase, ids: readonly string[]): Promise<void> {
  await client.query('update tasks set orphaned = true, enabled = false, next_run_at = null, updated_at = now() where id = any($1::bigint[])', [ids]);
}
