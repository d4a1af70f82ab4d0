import type pg from 'pg';
import type { Logger } from '../log.ts';
import { lockRules, readRulesSignature, selectCalendarTasksAfter, unlockRules, updateFutureNextRuns, writeRulesSignature } from '../store/rules.ts';
import { claimDueTasks } from './claim.ts';
import { sweepDependencies } from './dependencies.ts';
import type { PlanOptions } from './plan.ts';
import { resolveStaleFires } from './misfires.ts';
import { sweepOrphans } from './record.ts';
import { nextFire, withZone } from './schedule.ts';

/**
 * What stored next_run_at values depend on besides the spec: the time-zone rules and our cron
 * semantics. When either changes (a Node upgrade brings new tzdata), start-up recomputes them.
 */
export const RULES_SIGNATURE = `tz=${process.versions.tz ?? 'unknown'};cron=1`;
const BATCH = 1000;

export interface SyncResult {
  ms: number;
  interrupted: number;
  recomputed: number;
  pastDue: number;
  missed: number;
}

/** Recomputes future next_run_at of cron tasks when the rules signature changed; returns how many. */
export async function recomputeIfRulesChanged(pool: pg.Pool, logger: Logger): Promise<number> {
  const client = await pool.connect();
  try {
    await lockRules(client);
    const stored = await readRulesSignature(client);
    if (stored === RULES_SIGNATURE) return 0;
    let count = 0;
    if (stored !== undefined) {
      logger.info({ from: stored, to: RULES_SIGNATURE }, 'time-zone rules changed: recomputing next runs');
      let after = '0';
      for (;;) {
        const batch = await selectCalendarTasksAfter(client, after, BATCH);
        if (batch.length === 0) break;
        const now = new Date();
        const ids: string[] = [];
        const next: (string | null)[] = [];
        for (const r of batch) {
          const spec = withZone(r.schedule, r.timezone);
          const b = { startAt: r.start_ms === null ? null : new Date(r.start_ms), endAt: r.end_ms === null ? null : new Date(r.end_ms) };
          ids.push(r.id);
          next.push(nextFire(spec, now, b)?.toISOString() ?? null);
        }
        await updateFutureNextRuns(client, ids, next);
        count += ids.length;
        after = ids[ids.length - 1] as string;
      }
    }
    await writeRulesSignature(client, RULES_SIGNATURE);
    return count;
  } finally {
    await unlockRules(client).catch(() => undefined);
    client.release();
  }
}

/**
 * Start-up: release dead leases, recompute next runs if the rules changed, then apply the misfire
 * policy to every past-due task — set-based, in parallel batches, inserting the resulting fires
 * unowned so that every replica shares the catch-up work as it has room — and to every fire a
 * previous process claimed ahead and let go before its instant (misfires.ts).
 */
export async function startupSync(
  pool: pg.Pool,
  opts: { owner: string; leaseMs: number; retryDelayMs: number; plan: PlanOptions; logger: Logger; workers?: number },
): Promise<SyncResult> {
  const t0 = Date.now();
  let interrupted = 0;
  for (;;) {
    const r = await sweepOrphans(pool, opts.retryDelayMs, BATCH);
    interrupted += r.interrupted;
    if (r.interrupted < BATCH) break;
  }
  const recomputed = await recomputeIfRulesChanged(pool, opts.logger);
  let pastDue = 0;
  let missed = 0;
  const worker = async () => {
    for (;;) {
      const r = await claimDueTasks(pool, { owner: opts.owner, windowMs: 0, leaseMs: opts.leaseMs, limit: BATCH, plan: opts.plan, unowned: true });
      pastDue += r.examined;
      missed += r.missed;
      if (r.examined < BATCH) return;
    }
  };
  await Promise.all(Array.from({ length: opts.workers ?? 3 }, worker));
  // After the catch-ups above exist, so that each task's misfires coalesce with them into one.
  for (let i = 0; i < 1000; i++) {
    const r = await resolveStaleFires(pool, { misfireAfterMs: opts.plan.misfireAfterMs, limit: BATCH });
    missed += r.missed;
    if (r.examined < BATCH) break;
  }
  // Joins satisfied while no scheduler ran (or whose trigger a crash cut short).
  await sweepDependencies(pool);
  return { ms: Date.now() - t0, interrupted, recomputed, pastDue, missed };
}
