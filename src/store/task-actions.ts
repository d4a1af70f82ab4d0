import type pg from 'pg';
import type { TaskAction } from '../actions/action.ts';

/** Sets a task's action and its worker token's hash (null keeps the current one). */
export async function setTaskAction(client: pg.ClientBase | pg.Pool, taskId: string, action: TaskAction, workerTokenHash: string | null): Promise<void> {
  await client.query('update tasks set action = $2::jsonb, worker_token_hash = coalesce($3, worker_token_hash), updated_at = now() where id = $1', [
    taskId,
    JSON.stringify(action),
    workerTokenHash,
  ]);
}

/** The actions of tasks by id (a task that is gone is absent: the caller runs it as llm, which reports it missing). */
export async function actionsOfTasks(db: pg.Pool | pg.ClientBase, taskIds: readonly string[]): Promise<Map<string, TaskAction>> {
  const { rows } = await db.query<{ id: string; action: TaskAction }>({
    name: 'task-actions',
    text: 'select id::text as id, action from tasks where id = any($1::bigint[])',
    values: [[...new Set(taskIds)]],
  });
  return new Map(rows.map((r) => [r.id, r.action]));
}

export type CompleteOutcome = 'completed' | 'not_found' | 'forbidden' | 'not_dispatched';

/**
 * Records a worker's report on a dispatched execution, if `tokenHash` is its task's worker token.
 * Only `dispatched` executions accept a report, and only one: a second report finds it final.
 */
export async function completeDispatched(
  pool: pg.Pool,
  executionId: string,
  tokenHash: string,
  report: { status: 'succeeded' | 'failed'; output: string | null; error: { type: string; message: string } | null },
): Promise<{ outcome: CompleteOutcome; status?: string }> {
  const found = await pool.query<{ status: string; token: string | null }>(
    'select x.status, t.worker_token_hash as token from executions x join tasks t on t.id = x.task_id where x.id = $1',
    [executionId],
  );
  const row = found.rows[0];
  if (!row) return { outcome: 'not_found' };
  if (!row.token || row.token !== tokenHash) return { outcome: 'forbidden' };
  const done = await pool.query<{ task_id: string }>(
    `update executions set status = $2, output = $3, error = $4::jsonb, finished_at = now()
      where id = $1 and status = 'dispatched' returning task_id::text as task_id`,
    [executionId, report.status, report.output, report.error ? JSON.stringify(report.error) : null],
  );
  if (!done.rows[0]) return { outcome: 'not_dispatched', status: row.status };
  await pool.query('update tasks set last_status = $2, updated_at = now() where id = $1', [done.rows[0].task_id, report.status]);
  return { outcome: 'completed', status: report.status };
}
