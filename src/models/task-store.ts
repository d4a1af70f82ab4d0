import { taskQuotaError } from '../store/task-quota.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CHANNELS, notify } from './notify.ts';
import { Task } from './task.ts';

/** Every column a new user task needs; the rest (ids, run history, system-job columns) start empty. */
export type NewTask = Omit<
  Task,
  'id' | 'createdAt' | 'updatedAt' | 'lastRunAt' | 'lastStatus' | 'pausedReason' | 'consecutiveFailures' | 'kind' | 'systemName' | 'description' | 'orphaned' | 'waitSeconds' | 'hasDependencies' | 'action' | 'workerTokenHash'
> & {
  waitSeconds?: number;
  /** Tasks of the same user this one runs after (task_dependencies rows; the group-commit writer writes them). */
  after?: string[];
};

/**
 * Inserts a task inside the caller's transaction, refusing once the user owns `maxTasks`, and
 * tells the engines (the NOTIFY is delivered only if the transaction commits). The API and the
 * runner's create_reminder both come through here, so the limit means the same thing for both.
 */
export async function insertTask(tx: EntityManager, fields: NewTask, opts: { maxTasks: number; now: Date }): Promise<Task> {
  // Lock the owner's row: two concurrent creates would otherwise both read 49 and both insert.
  // task_count is kept exact by triggers on tasks (migration task_counts).
  const [row] = await tx.execute<{ n: number }[]>('select task_count as n from users where id = ? for update', [fields.userId]);
  if ((row?.n ?? 0) >= opts.maxTasks) {
    throw taskQuotaError(opts.maxTasks);
  }
  const { after: _after, ...columns } = fields;
  const task = tx.create(Task, { ...columns, createdAt: opts.now, updatedAt: opts.now });
  await tx.flush();
  await notify(tx, CHANNELS.tasks, { id: task.id, op: 'created' });
  return task;
}
