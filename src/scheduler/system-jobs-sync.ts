import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';
import type { StoredSchedule } from '../models/task.ts';
import { dropQueuedFires } from './record.ts';
import { nextFire, toSpec } from './schedule.ts';

/** What a declaration needs to be stored (system-jobs.ts SystemJob has these and a handler). */
export interface DeclaredJob {
  name: string;
  cron: string;
  timezone: string;
  description: string;
}

export interface SystemJobsSynced {
  inserted: string[];
  /** Cron or zone changed: next run recomputed, fires claimed for the old timing dropped. */
  rescheduled: string[];
  /** Orphaned before, declared again: enabled from now on. */
  restored: string[];
  orphaned: string[];
}

// Replicas starting together take turns: each sees what the previous one wrote.
const SYSTEM_JOBS_LOCK = 7_361_524_904;

interface StoredJob {
  id: string;
  system_name: string;
  schedule: StoredSchedule | null;
  timezone: string;
  orphaned: boolean;
  enabled: boolean;
  has_next: boolean;
}

/**
 * Upserts the declared system jobs by name, at start-up: new ones are inserted with their first
 * run; existing ones get the declared cron, zone and description (next run recomputed when the
 * timing changed); ones no longer declared are marked orphaned and disabled (next_run_at null),
 * never deleted, so their history stays. One transaction under an advisory lock, and the
 * insert is ON CONFLICT on the unique name: concurrent start-ups cannot create twins.
 */
export async function syncSystemJobs(pool: pg.Pool, jobs: readonly DeclaredJob[], now: Date): Promise<SystemJobsSynced> {
  const out: SystemJobsSynced = { inserted: [], rescheduled: [], restored: [], orphaned: [] };
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [SYSTEM_JOBS_LOCK]);
    const owner = await client.query<{ id: string }>(`select id::text as id from users where is_system`);
    const systemUser = owner.rows[0]?.id;
    if (!systemUser) throw new Error('the system user is missing (migration Migration20261125040000_jobs)');
    const { rows } = await client.query<StoredJob>(
      `select id::text as id, system_name, schedule, timezone, orphaned, enabled, next_run_at is not null as has_next
         from tasks where kind = 'system' for no key update`,
    );
    const stored = new Map(rows.map((r) => [r.system_name, r]));
    const rescheduledIds: string[] = [];
    for (const job of jobs) {
      const spec = toSpec({ cron: job.cron }, job.timezone, { now });
      if (!spec.ok || spec.value.kind !== 'cron') throw new Error(`system job "${job.name}": ${spec.ok ? 'not a cron' : spec.error.message}`);
      const schedule = { kind: 'cron', cron: spec.value.cron };
      const first = nextFire(spec.value, now)?.toISOString() ?? null;
      const row = stored.get(job.name);
      if (!row) {
        const ins = await client.query(
          `insert into tasks (user_id, name, prompt, schedule, timezone, kind, system_name, description, next_run_at,
                              max_attempts, misfire_policy, overlap, pause_after_failures)
           values ($1, $2, '', $3::jsonb, $4, 'system', $2, $5, $6, 3, 'run_once', 'skip', 0)
           on conflict (system_name) where system_name is not null do nothing`,
          [systemUser, job.name, JSON.stringify(schedule), job.timezone, job.description, first],
        );
        if (ins.rowCount) out.inserted.push(job.name);
        continue;
      }
      const timingChanged = row.schedule?.kind !== 'cron' || row.schedule.cron !== spec.value.cron || row.timezone !== job.timezone;
      // Recompute the next run when the timing changed, when the job comes back, or when it lost it.
      const recompute = timingChanged || row.orphaned || !row.enabled || !row.has_next;
      await client.query(
        `update tasks set name = $2, schedule = $3::jsonb, timezone = $4, description = $5, orphaned = false, enabled = true,
                paused_reason = null, next_run_at = case when $6 then $7::timestamptz else next_run_at end, updated_at = now()
          where id = $1`,
        [row.id, job.name, JSON.stringify(schedule), job.timezone, job.description, recompute, first],
      );
      if (row.orphaned) out.restored.push(job.name);
      else if (timingChanged) {
        out.rescheduled.push(job.name);
        rescheduledIds.push(row.id);
      }
    }
    const declared = new Set(jobs.map((j) => j.name));
    const gone = rows.filter((r) => !declared.has(r.system_name) && !r.orphaned);
    if (gone.length) {
      await client.query(
        `update tasks set orphaned = true, enabled = false, next_run_at = null, updated_at = now() where id = any($1::bigint[])`,
        [gone.map((r) => r.id)],
      );
      await dropQueuedFires(
        client,
        gone.map((r) => r.id),
        'paused',
      );
      out.orphaned.push(...gone.map((r) => r.system_name));
    }
    // Fires claimed under the old timing must not run (as when a user reschedules a task).
    if (rescheduledIds.length) await dropQueuedFires(client, rescheduledIds, 'rescheduled');
    await client.query('select pg_notify($1, $2)', [CHANNELS.tasks, '{"op":"updated"}']);
    await client.query('commit');
    return out;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
