import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';
import { notifyChannel } from '../store/pg-notify.ts';
import { findSystemUser, insertSystemJob, lockStoredSystemJobs, lockSystemJobs, orphanSystemJobs, updateSystemJob } from '../store/system-jobs.ts';
import { withTx } from '../store/tx.ts';
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

/**
 * Upserts the declared system jobs by name, at start-up: new ones are inserted with their first
 * run; existing ones get the declared cron, zone and description (next run recomputed when the
 * timing changed); ones no longer declared are marked orphaned and disabled (next_run_at null),
 * never deleted, so their history stays. One transaction under an advisory lock, and the
 * insert is ON CONFLICT on the unique name: concurrent start-ups cannot create twins.
 */
export async function syncSystemJobs(pool: pg.Pool, jobs: readonly DeclaredJob[], now: Date): Promise<SystemJobsSynced> {
  const out: SystemJobsSynced = { inserted: [], rescheduled: [], restored: [], orphaned: [] };
  return await withTx(pool, async (client) => {
    await lockSystemJobs(client);
    const systemUser = await findSystemUser(client);
    if (!systemUser) throw new Error('the system user is missing (migration Migration20261125040000_jobs)');
    const rows = await lockStoredSystemJobs(client);
    const stored = new Map(rows.map((r) => [r.systemName, r]));
    const rescheduledIds: string[] = [];
    for (const job of jobs) {
      const spec = toSpec({ cron: job.cron }, job.timezone, { now });
      if (!spec.ok || spec.value.kind !== 'cron') throw new Error(`system job "${job.name}": ${spec.ok ? 'not a cron' : spec.error.message}`);
      const declared = {
        name: job.name,
        schedule: { kind: 'cron' as const, cron: spec.value.cron },
        timezone: job.timezone,
        description: job.description,
        nextRunAt: nextFire(spec.value, now)?.toISOString() ?? null,
      };
      const row = stored.get(job.name);
      if (!row) {
        if (await insertSystemJob(client, systemUser, declared)) out.inserted.push(job.name);
        continue;
      }
      const timingChanged = row.schedule?.kind !== 'cron' || row.schedule.cron !== spec.value.cron || row.timezone !== job.timezone;
      // Recompute the next run when the timing changed, when the job comes back, or when it lost it.
      await updateSystemJob(client, row.id, declared, timingChanged || row.orphaned || !row.enabled || !row.nextRunAt);
      if (row.orphaned) out.restored.push(job.name);
      else if (timingChanged) {
        out.rescheduled.push(job.name);
        rescheduledIds.push(row.id);
      }
    }
    const declared = new Set(jobs.map((j) => j.name));
    const gone = rows.filter((r) => !declared.has(r.systemName) && !r.orphaned);
    if (gone.length) {
      const ids = gone.map((r) => r.id);
      await orphanSystemJobs(client, ids);
      await dropQueuedFires(client, ids, 'paused');
      out.orphaned.push(...gone.map((r) => r.systemName));
    }
    // Fires claimed under the old timing must not run (as when a user reschedules a task).
    if (rescheduledIds.length) await dropQueuedFires(client, rescheduledIds, 'rescheduled');
    await notifyChannel(client, CHANNELS.tasks, '{"op":"updated"}');
    return out;
  });
}
