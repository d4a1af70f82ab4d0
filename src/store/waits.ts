// Statements for scheduled fires that wait for their dependencies (src/scheduler/wait.ts decides).
import type pg from 'pg';

// "task 12 (\"refresh\")" or "tasks 12 (\"refresh\"), 14 (\"export\")", for the dependencies still missing.
const MISSING_SQL = (taskId: string) => `(
  select case when count(*) = 1 then 'task ' else 'tasks ' end || string_agg(p.id || ' (' || to_json(p.name)::text || ')', ', ' order by p.id)
    from task_dependencies d join tasks p on p.id = d.depends_on_id
   where d.task_id = ${taskId} and d.pending_success_id is null)`;

/** Takes the task's row lock (no key update), which orders every gate and trigger of the task. */
export async function lockTask(client: pg.ClientBase, taskId: string): Promise<void> {
  await client.query('select 1 from tasks where id = $1 for no key update', [taskId]);
}

/** Locks the task's edges in key order; each holds the dependency's unconsumed success or null. */
export async function lockPendingSuccesses(client: pg.ClientBase, taskId: string): Promise<(string | null)[]> {
  const { rows } = await client.query<{ pending: string | null }>(
    'select pending_success_id::text as pending from task_dependencies where task_id = $1 order by depends_on_id for no key update',
    [taskId],
  );
  return rows.map((r) => r.pending);
}

export interface HeldFire {
  /** The fire's deadline (scheduled_for + the task's wait_seconds) or now, whichever is later, in ms. */
  untilMs: number;
  /** The deadline has passed. */
  due: boolean;
  /** scheduled_for of another fire of the task already waiting, if any. */
  otherWaiting: string | null;
}

/** Locks the fire if it is still this owner's (owner, epoch, queued) and reads its deadline; null when it is not. */
export async function lockHeldFire(client: pg.ClientBase, owner: string, fire: { executionId: string; epoch: number }): Promise<HeldFire | null> {
  const { rows } = await client.query<{ until_ms: number; due: boolean; other: string | null }>(
    `select (extract(epoch from greatest(x.scheduled_for + make_interval(secs => t.wait_seconds), now())) * 1000)::float8 as until_ms,
            x.scheduled_for + make_interval(secs => t.wait_seconds) <= now() as due,
            (select to_json(w.scheduled_for) #>> '{}' from executions w where w.task_id = x.task_id and w.status = 'waiting' limit 1) as other
       from executions x join tasks t on t.id = x.task_id
      where x.id = $1 and x.owner = $2 and x.epoch = $3 and x.status = 'queued'
        for update of x`,
    [fire.executionId, owner, fire.epoch],
  );
  const row = rows[0];
  return row ? { untilMs: row.until_ms, due: row.due, otherWaiting: row.other } : null;
}

/** Records which executions satisfied the fire's join. */
export async function setSatisfiedBy(client: pg.ClientBase, executionId: string, satisfiedBy: readonly string[]): Promise<void> {
  await client.query('update executions set satisfied_by = $2::jsonb where id = $1', [executionId, JSON.stringify(satisfiedBy)]);
}

/** Records the fire `skipped` with a `dependencies` error saying why. */
export async function skipFire(client: pg.ClientBase, executionId: string, message: string): Promise<void> {
  await client.query(
    `update executions set status = 'skipped', finished_at = now(), owner = null, lease_until = null,
            error = jsonb_build_object('type', 'dependencies', 'message', $2::text)
      where id = $1`,
    [executionId, message],
  );
}

/** `waited 3600 s for task 12 ("refresh") to succeed`, for a fire given up at its instant; null when the task is gone. */
export async function waitedMessage(client: pg.ClientBase, taskId: string): Promise<string | null> {
  const { rows } = await client.query<{ message: string | null }>(
    `select format('waited %s s for %s to succeed', t.wait_seconds, ${MISSING_SQL('t.id')}) as message from tasks t where t.id = $1`,
    [taskId],
  );
  return rows[0]?.message ?? null;
}

/** Parks the fire as `waiting` (no owner, no lease) until `untilMs`. */
export async function markWaiting(client: pg.ClientBase, executionId: string, untilMs: number): Promise<void> {
  await client.query(
    `update executions set status = 'waiting', owner = null, lease_until = null, wait_until = to_timestamp($2::float8 / 1000) where id = $1`,
    [executionId, untilMs],
  );
}

/**
 * Records up to `limit` waiting fires past their deadline `skipped`, naming the dependencies that
 * did not succeed in time. SKIP LOCKED keeps replicas apart; a release racing it wins or loses on
 * the row's status. Returns how many.
 */
export async function expireWaits(db: pg.Pool | pg.ClientBase, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `with expired as (
       select id from executions where status = 'waiting' and wait_until <= now()
        order by wait_until limit $1 for update skip locked
     )
     update executions x
        set status = 'skipped', finished_at = now(), lease_until = null,
            error = jsonb_build_object('type', 'dependencies', 'message',
              format('waited %s s for %s to succeed', round(extract(epoch from x.wait_until - x.scheduled_for))::bigint,
                     coalesce(${MISSING_SQL('x.task_id')}, 'its dependencies')))
       from expired
      where x.id = expired.id and x.status = 'waiting'`,
    [limit],
  );
  return rowCount ?? 0;
}
