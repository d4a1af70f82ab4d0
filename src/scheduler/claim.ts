import type pg from 'pg';
import { advanceNextRuns, claimQueuedRows, type FireInsert, insertFires, lockDueTasks } from '../store/claims.ts';
import { withTx } from '../store/tx.ts';
import { type DueTask, type PlanOptions, planTask } from './plan.ts';

/** A fire this replica owns and will start at `scheduledFor`. */
export interface ClaimedFire {
  executionId: string;
  taskId: string;
  userId: string;
  scheduledFor: number;
  trigger: 'schedule' | 'catchup' | 'manual' | 'retry' | 'dependency';
  attempt: number;
  epoch: number;
  dryRun: boolean;
  overlap: 'skip' | 'allow';
  maxAttempts: number;
  /** The task had a running execution when claimed: check again before starting. */
  busyAtClaim: boolean;
  /** A system job's declared name (its run goes to its handler, not the LLM runner). */
  systemJob: string | null;
  /** A scheduled fire of a task with dependencies: it runs only if they succeeded (wait.ts). */
  gated: boolean;
}

export interface ClaimResult {
  fires: ClaimedFire[];
  /** Rows examined: a full batch means there may be more to claim. */
  examined: number;
  /** `missed` records written (recorded, not run). */
  missed: number;
  dbNow: number;
}

/**
 * Claims the tasks due within `windowMs` of the database's now: locks them (SKIP LOCKED splits
 * them between replicas), inserts one execution per fire under the unique (task_id,
 * scheduled_for) key — a second claim of an occurrence inserts nothing — and advances
 * next_run_at, all in one transaction. Set-based: one statement each, whatever the batch size.
 */
export async function claimDueTasks(
  pool: pg.Pool,
  opts: {
    owner: string;
    windowMs: number;
    leaseMs: number;
    limit: number;
    plan: PlanOptions;
    /** Insert the fires unowned (start-up sync): any replica then claims them as it has room. */
    unowned?: boolean;
  },
): Promise<ClaimResult> {
  return withTx(pool, async (client) => {
    const rows = await lockDueTasks(client, opts.windowMs, opts.limit);
    if (rows.length === 0) return { fires: [], examined: 0, missed: 0, dbNow: Date.now() };
    const dbNow = (rows[0] as (typeof rows)[number]).db_now;
    const now = new Date(dbNow);
    const horizon = new Date(dbNow + opts.windowMs);

    const ins: FireInsert = { task: [], user: [], status: [], trigger: [], at: [], error: [] };
    const upd = { id: [] as string[], next: [] as (string | null)[] };
    const byTask = new Map<string, (typeof rows)[number]>();
    for (const r of rows) {
      byTask.set(r.id, r);
      const due: DueTask = {
        id: r.id,
        userId: r.user_id,
        schedule: r.schedule,
        timezone: r.timezone,
        nextRunAt: new Date(r.next_ms),
        startAt: r.start_ms === null ? null : new Date(r.start_ms),
        endAt: r.end_ms === null ? null : new Date(r.end_ms),
        misfirePolicy: r.misfire_policy,
        misfireGraceSeconds: r.misfire_grace_seconds,
      };
      const plan = planTask(due, now, horizon, opts.plan);
      for (const f of plan.fires) {
        ins.task.push(r.id);
        ins.user.push(r.user_id);
        ins.status.push(f.status);
        ins.trigger.push(f.trigger);
        ins.at.push(f.scheduledFor.toISOString());
        ins.error.push(f.error ? JSON.stringify(f.error) : null);
      }
      upd.id.push(r.id);
      upd.next.push(plan.nextRunAt ? plan.nextRunAt.toISOString() : null);
    }

    const inserted = await insertFires(client, ins, opts.unowned ? null : opts.owner, opts.leaseMs);
    await advanceNextRuns(client, upd.id, upd.next);

    const fires: ClaimedFire[] = [];
    let missed = 0;
    for (const x of inserted) {
      if (x.status !== 'queued') {
        missed++;
        continue;
      }
      if (opts.unowned) continue;
      const r = byTask.get(x.task_id) as (typeof rows)[number];
      fires.push({
        executionId: x.id,
        taskId: x.task_id,
        userId: r.user_id,
        scheduledFor: x.at_ms,
        trigger: x.trigger,
        attempt: 1,
        epoch: x.epoch,
        dryRun: false,
        overlap: r.overlap,
        maxAttempts: r.max_attempts,
        busyAtClaim: r.busy,
        systemJob: r.system_name,
        gated: r.gated,
      });
    }
    return { fires, examined: rows.length, missed, dbNow };
  });
}

/**
 * Claims queued executions that nobody holds (manual runs, retries, fires released at shutdown)
 * and, with `expired`, those whose holder's lease expired before it started them (its process
 * died): a new owner and a bumped epoch, so the old holder, if it wakes up, can no longer record
 * anything for them.
 * Scheduled fires whose instant passed are left to the misfire policy (misfires.ts).
 */
export async function claimQueued(
  pool: pg.Pool,
  opts: { owner: string; windowMs: number; leaseMs: number; limit: number; misfireAfterMs: number; expired: boolean },
): Promise<ClaimedFire[]> {
  const rows = await claimQueuedRows(pool, opts);
  return rows.map((x) => ({
    executionId: x.id,
    taskId: x.task_id,
    userId: x.user_id,
    scheduledFor: x.at_ms,
    trigger: x.trigger,
    attempt: x.attempt,
    epoch: x.epoch,
    dryRun: x.dry_run,
    overlap: x.overlap,
    maxAttempts: x.max_attempts,
    busyAtClaim: x.busy,
    systemJob: x.system_name,
    gated: x.gated,
  }));
}
