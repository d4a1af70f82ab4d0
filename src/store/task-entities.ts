// The task as an entity, for the API's edits: PATCH, pause/resume, edit-in-words load the task into
// the request's unit of work, change it in memory (task-input.ts) and flush once. The statements
// that go with such an edit live here, beside the SQL ones in tasks.ts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { CHANNELS, type TaskOp } from '../models/notify.ts';
import { sqlOfEm } from './sql.ts';
import { Task } from '../models/task.ts';
import { notify } from './notify.ts';
import { dropClaimedFires } from './tasks.ts';

/** One of the user's tasks, or null (unknown, or another user's). */
export async function findUserTask(em: EntityManager, userId: string, id: string): Promise<Task | null> {
  return await em.findOne(Task, { id, userId });
}

/**
 * Writes an edited task and tells every engine. When its timing changed (paused, rescheduled), fires
 * already claimed for the old timing are deleted in the same transaction, so none of them can run.
 */
export async function saveTask(tx: EntityManager, task: Task, op: TaskOp, timingChanged: boolean): Promise<void> {
  await tx.flush();
  if (timingChanged) await dropClaimedFires(sqlOfEm(tx), task.id);
  await notify(tx, CHANNELS.tasks, { id: task.id, op: timingChanged && op === 'updated' ? 'rescheduled' : op });
}
