import { CHANNELS } from '../../models/notify.ts';
import { MONTHLY_BUDGET_PAUSE } from '../../models/task.ts';
import { findBudgetPausedUnderBudget, resumeBudgetPaused } from '../../store/budgets.ts';
import { notifyChannel } from '../../store/pg-notify.ts';
import { nextFire } from '../schedule.ts';
import type { SystemJobContext } from '../system-jobs.ts';
import { plural } from './batches.ts';

const BATCH = 1000;

/**
 * Monthly token budgets are not counters to reset: the runner sums a task's tokens since the
 * start of the month in the task's zone. What needs doing at a month's turn is to resume the
 * tasks the runner paused for their budget. This resumes every such task whose tokens this
 * month are now under its budget (a new month began in its zone, or its budget was raised or
 * removed), from now on, as the resume route does. Run hourly: each zone's month turns at its
 * own hour. Tasks paused for any other reason are not touched.
 */
export function resetMonthlyBudgets() {
  return async (ctx: SystemJobContext): Promise<string> => {
    const pool = ctx.db.pool;
    let resumed = 0;
    let after = '0';
    for (;;) {
      if (ctx.signal.aborted) break;
      const rows = await findBudgetPausedUnderBudget(pool, after, MONTHLY_BUDGET_PAUSE, BATCH);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]?.id as string;
      const now = ctx.clock.now();
      const ids: string[] = [];
      const next: (string | null)[] = [];
      for (const r of rows) {
        const at = r.spec ? nextFire(r.spec, now, { startAt: r.startAt, endAt: r.endAt }) : null;
        // A schedule with no fire left (a one-off in the past) stays paused: nothing would run it.
        if (r.spec && !at) continue;
        ids.push(r.id);
        next.push(at ? at.toISOString() : null);
      }
      if (ids.length) resumed += await resumeBudgetPaused(pool, ids, next, MONTHLY_BUDGET_PAUSE);
      if (rows.length < BATCH) break;
    }
    // Engines learn of the new next runs as of any resume: a wake-up to claim.
    if (resumed) await notifyChannel(pool, CHANNELS.tasks, JSON.stringify({ op: 'resumed', n: resumed }));
    return `resumed ${plural(resumed, 'task')} paused for their monthly token budget`;
  };
}
