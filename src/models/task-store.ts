import type pg from 'pg';
import { taskQuotaError } from '../store/task-quota.ts';
import { insertTasks, lockTaskCounts, type NewTask, notifyTasks, type TaskView } from '../store/tasks.ts';
import { withTx } from '../store/tx.ts';
import { CHANNELS } from './notify.ts';

export type { NewTask } from '../store/tasks.ts';

/**
 * Inserts one task in its own transaction, refusing once the user owns `maxTasks`, and tells the
 * engines. The runner's create_reminder comes through here and the API through the task writer;
 * both write with the store's one insert (insertTasks), so defaults and the limit mean the same.
 */
export async function insertTask(pool: pg.Pool, fields: NewTask, opts: { maxTasks: number; now: Date }): Promise<TaskView> {
  return await withTx(pool, async (client) => {
    // The owner's row lock: two concurrent creates would otherwise both read 49 and both insert.
    const counts = await lockTaskCounts(client, [fields.userId]);
    if ((counts.get(fields.userId) ?? 0) >= opts.maxTasks) throw taskQuotaError(opts.maxTasks);
    const [task] = await insertTasks(client, [fields], opts.now);
    await notifyTasks(client, CHANNELS.tasks, { id: task?.id, op: 'created' });
    return task as TaskView;
  });
}
