import { CHANNELS } from '../../models/notify.ts';
import { MONTHLY_BUDGET_PAUSE, type StoredSchedule } from '../../models/task.ts';
import { nextFire, type ScheduleSpec } from '../schedule.ts';
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
      const { rows } = await pool.query<{ id: string; schedule: StoredSchedule | null; timezone: string; start_ms: number | null; end_ms: number | null }>(
        `select t.id::text as id, t.schedule, t.timezone,
                (extract(epoch from t.start_at) * 1000)::float8 as start_ms, (extract(epoch from t.end_at) * 1000)::float8 as end_ms
           from tasks t
          where t.id > $1 and not t.enabled and t.kind = 'user' and starts_with(t.paused_reason, $2)
            and (t.monthly_token_budget is null or t.monthly_token_budget > (
                  select coalesce(sum(e.prompt_tokens + e.completion_tokens), 0) from executions e
                   where e.task_id = t.id and e.started_at >= (date_trunc('month', now() at time zone t.timezone) at time zone t.timezone)))
          order by t.id limit $3`,
        [after, MONTHLY_BUDGET_PAUSE, BATCH],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1]?.id as string;
      const now = ctx.clock.now();
      const ids: string[] = [];
      const next: (string | null)[] = [];
      for (const r of rows) {
        const spec = r.schedule ? ({ ...r.schedule, timezone: r.timezone } as ScheduleSpec) : null;
        const at = spec ? nextFire(spec, now, { startAt: r.start_ms === null ? null : new Date(r.start_ms), endAt: r.end_ms === null ? null : new Date(r.end_ms) }) : null;
        // A schedule with no fire left (a one-off in the past) stays paused: nothing would run it.
        if (spec && !at) continue;
        ids.push(r.id);
        next.push(at ? at.toISOString() : null);
      }
      if (ids.length) {
        const { rowCount } = await pool.query(
          `update tasks t set enabled = true, paused_reason = null, consecutive_failures = 0, next_run_at = v.next, updated_at = now()
             from unnest($1::bigint[], $2::timestamptz[]) as v(id, next)
            where t.id = v.id and not t.enabled and starts_with(t.paused_reason, $3)`,
          [ids, next, MONTHLY_BUDGET_PAUSE],
        );
        resumed += rowCount ?? 0;
      }
      if (rows.length < BATCH) break;
    }
    // Engines learn of the new next runs as of any resume: a wake-up to claim.
    if (resumed) await pool.query('select pg_notify($1, $2)', [CHANNELS.tasks, JSON.stringify({ op: 'resumed', n: resumed })]);
    return `resumed ${plural(resumed, 'task')} paused for their monthly token budget`;
  };
}
