import type pg from 'pg';
import { settleStaleFires } from '../store/misfires.ts';

export interface StaleResult {
  /** Fires recorded `missed` instead of run late. */
  missed: number;
  /** Fires kept as the one `catchup` of their task (run_once, within the grace period). */
  kept: number;
  /** Rows examined: a full batch means there may be more. */
  examined: number;
}

/**
 * Scheduled fires that were claimed ahead and then let go — released at shutdown, or left behind
 * by a replica that died — and whose instant passed meanwhile are misfires like any other: they go
 * through their task's policy instead of running late. Per task, under `run_once` the latest one
 * becomes the task's single `catchup` (if it is within the grace period and no later misfire of the
 * task is pending) and the rest are recorded `missed`; under `skip` every one is recorded `missed`.
 * Fires someone holds (an unexpired lease) are left alone; the task row is locked too, so two
 * replicas never coalesce one task's misfires each their own way.
 */
export async function resolveStaleFires(pool: pg.Pool | pg.ClientBase, opts: { misfireAfterMs: number; limit: number }): Promise<StaleResult> {
  const rows = await settleStaleFires(pool, opts);
  const kept = rows.filter((r) => r.kept).length;
  return { missed: rows.length - kept, kept, examined: rows.length };
}
