// Statements of the reset-monthly-budgets system job (src/scheduler/jobs/reset-budgets.ts).
import type pg from 'pg';
import { type StoredSchedule, Task } from '../models/task.ts';
import { type ScheduleSpec, withZone } from '../scheduler/schedule.ts';
import { columnsOf, rowMapper } from './columns.ts';

const toTask = rowMapper<{ id: string; schedule: StoredSchedule | null; timezone: string; startAt: Date | null; endAt: Date | null }>(Task);

export interface BudgetPausedTask {
  id: string;
  /** Null for a task that only runs after others. */
  spec: ScheduleSpec | null;
  startAt: Date | null;
  endAt: Date | null;
}

/**
 * User tasks with ids above `after`, paused with a reason beginning `reason`, whose tokens since
 * the start of this month in their own zone are under their budget (or that have none any more);
 * in id order, at most `limit`.
 */
export async function findBudgetPausedUnderBudget(db: pg.Pool | pg.ClientBase, after: string, reason: string, limit: number): Promise<BudgetPausedTask[]> {
  const { rows } = await db.query(
    `select ${columnsOf(Task, { alias: 't' })}
       from tasks t
      where t.id > $1 and not t.enabled and t.kind = 'user' and starts_with(t.paused_reason, $2)
        and (t.monthly_token_budget is null or t.monthly_token_budget > (
              select coalesce(sum(e.prompt_tokens + e.completion_tokens), 0) from executions e
               where e.task_id = t.id and e.started_at >= (date_trunc('month', now() at time zone t.timezone) at time zone t.timezone)))
      order by t.id limit $3`,
    [after, reason, limit],
  );
  return rows.map((row) => {
    const t = toTask(row);
    return { id: t.id, spec: t.schedule ? withZone(t.schedule, t.timezone) : null, startAt: t.startAt, endAt: t.endAt };
  });
}

/**
 * Resumes the tasks (parallel arrays: id, next run as an ISO instant or null) that are still
 * paused with a reason beginning `reason`, failure count reset. Returns how many were resumed.
 */
export async function resumeBudgetPaused(db: pg.Pool | pg.ClientBase, ids: readonly string[], next: readonly (string | null)[], reason: string): Promise<number> {
  const { rowCount } = await db.query(
    `update tasks t set enabled = true, paused_reason = null, consecutive_failures = 0, next_run_at = v.next, updated_at = now()
       from unnest($1::bigint[], $2::timestamptz[]) as v(id, next)
      where t.id = v.id and not t.enabled and starts_with(t.paused_reason, $3)`,
    [ids, next, reason],
  );
  return rowCount ?? 0;
}
