import type pg from 'pg';
import { LimitError } from '../errors.ts';

export const taskQuotaError = (maxTasks: number, batch?: { owned: number; adding: number }) =>
  new LimitError(
    'MAX_TASKS_PER_USER',
    batch
      ? `you have ${batch.owned} tasks and this batch adds ${batch.adding} more; this server allows at most ${maxTasks} (MAX_TASKS_PER_USER)`
      : `you already have ${maxTasks} tasks, the most this server allows (MAX_TASKS_PER_USER)`,
  );

/**
 * Refuses when the user already owns `maxTasks` tasks: the check a create makes under its row lock,
 * made here without one (a preview only says whether a create would pass now).
 */
export async function checkTaskQuota(db: pg.Pool | pg.ClientBase, userId: string, maxTasks: number): Promise<void> {
  // task_count is kept exact by triggers on tasks (migration task_counts).
  const { rows } = await db.query<{ n: number }>('select task_count as n from users where id = $1', [userId]);
  if ((rows[0]?.n ?? 0) >= maxTasks) throw taskQuotaError(maxTasks);
}
