// Scheduled fires of tasks that also run after other tasks: at its instant a fire runs only if
// every dependency succeeded since the task last ran on them; otherwise it waits (status
// `waiting`, visible in the API) until they do (dependencies.ts releases it) or until its
// deadline, when any replica records it `skipped` with what it waited for.
import type pg from 'pg';

export type GateDecision =
  /** Every dependency succeeded: the edges are consumed, start the run. */
  | { kind: 'run'; satisfiedBy: string[] }
  | { kind: 'waiting'; until: number }
  | { kind: 'skipped'; reason: string }
  /** The fire is no longer ours (cancelled, paused, taken over): do nothing. */
  | { kind: 'lost' };

// "task 12 (\"refresh\")" or "tasks 12 (\"refresh\"), 14 (\"export\")", for the dependencies still missing.
const MISSING_SQL = (taskId: string) => `(
  select case when count(*) = 1 then 'task ' else 'tasks ' end || string_agg(p.id || ' (' || to_json(p.name)::text || ')', ', ' order by p.id)
    from task_dependencies d join tasks p on p.id = d.depends_on_id
   where d.task_id = ${taskId} and d.pending_success_id is null)`;

/**
 * Decides, under the task's row lock, what a claimed scheduled fire of a task with dependencies
 * does at its instant; the fire must still be ours (owner, epoch, queued). One transaction.
 */
export async function gateFire(pool: pg.Pool, owner: string, fire: { executionId: string; taskId: string; epoch: number }): Promise<GateDecision> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select 1 from tasks where id = $1 for no key update', [fire.taskId]);
    const edges = await client.query<{ pending: string | null }>(
      `select pending_success_id::text as pending from task_dependencies where task_id = $1 order by depends_on_id for no key update`,
      [fire.taskId],
    );
    const mine = await client.query<{ until_ms: number; due: boolean; other: string | null }>(
      `select (extract(epoch from greatest(x.scheduled_for + make_interval(secs => t.wait_seconds), now())) * 1000)::float8 as until_ms,
              x.scheduled_for + make_interval(secs => t.wait_seconds) <= now() as due,
              (select to_json(w.scheduled_for) #>> '{}' from executions w where w.task_id = x.task_id and w.status = 'waiting' limit 1) as other
         from executions x join tasks t on t.id = x.task_id
        where x.id = $1 and x.owner = $2 and x.epoch = $3 and x.status = 'queued'
          for update of x`,
      [fire.executionId, owner, fire.epoch],
    );
    const row = mine.rows[0];
    let decision: GateDecision;
    if (!row) {
      decision = { kind: 'lost' };
    } else if (edges.rows.length === 0 || edges.rows.every((e) => e.pending !== null)) {
      const satisfiedBy = edges.rows.map((e) => e.pending as string);
      await client.query(`update executions set satisfied_by = $2::jsonb where id = $1`, [fire.executionId, JSON.stringify(satisfiedBy)]);
      await client.query(`update task_dependencies set pending_success_id = null where task_id = $1`, [fire.taskId]);
      decision = { kind: 'run', satisfiedBy };
    } else if (row.other) {
      // One fire waits at a time; a later one would only run on the same successes.
      const reason = `skipped: an earlier fire of this task (scheduled for ${new Date(row.other).toISOString()}) is still waiting for its dependencies`;
      await skip(client, fire.executionId, reason);
      decision = { kind: 'skipped', reason };
    } else if (row.due) {
      // waitSeconds 0 (or a late catch-up fire past its deadline): nothing to wait for.
      const { rows } = await client.query<{ message: string }>(
        `select format('waited %s s for %s to succeed', t.wait_seconds, ${MISSING_SQL('t.id')}) as message from tasks t where t.id = $1`,
        [fire.taskId],
      );
      const reason = rows[0]?.message ?? 'its dependencies did not succeed in time';
      await skip(client, fire.executionId, reason);
      decision = { kind: 'skipped', reason };
    } else {
      await client.query(
        `update executions set status = 'waiting', owner = null, lease_until = null, wait_until = to_timestamp($2::float8 / 1000) where id = $1`,
        [fire.executionId, row.until_ms],
      );
      decision = { kind: 'waiting', until: row.until_ms };
    }
    await client.query('commit');
    return decision;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function skip(client: pg.ClientBase, executionId: string, message: string): Promise<void> {
  await client.query(
    `update executions set status = 'skipped', finished_at = now(), owner = null, lease_until = null,
            error = jsonb_build_object('type', 'dependencies', 'message', $2::text)
      where id = $1`,
    [executionId, message],
  );
}

/**
 * Records waiting fires past their deadline `skipped`, naming the dependencies that did not
 * succeed in time, e.g. `waited 3600 s for tasks 12 ("refresh"), 14 ("export") to succeed`.
 * Any replica may run it; SKIP LOCKED keeps them apart, and a release racing it wins or loses
 * on the row's status.
 */
export async function expireWaits(pool: pg.Pool, limit = 500): Promise<number> {
  const { rowCount } = await pool.query(
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
