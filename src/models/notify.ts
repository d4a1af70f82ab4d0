/**
 * LISTEN/NOTIFY channels. Notifications are sent inside the writing transaction, so PostgreSQL
 * delivers them only if it commits, and delivers them to every replica.
 */
export const CHANNELS = {
  /** A task was created, edited, paused, resumed or deleted: `{id, op}`. */
  tasks: 'tickler_tasks',
  /** Queued executions are ready to claim (manual runs, retries): `{id}`. */
  work: 'tickler_work',
  /** An execution was cancelled: `{id}`; its owner aborts the run. */
  cancel: 'tickler_cancel',
  /** API keys were revoked: `{ids}`; every API replica drops them from its auth cache. */
  keys: 'tickler_keys',
} as const;

export type TaskOp = 'created' | 'updated' | 'rescheduled' | 'paused' | 'resumed' | 'deleted';

// The statement lives with the others; existing callers keep importing it from here.
export { notify } from '../store/notify.ts';
