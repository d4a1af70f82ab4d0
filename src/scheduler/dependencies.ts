// Tasks that run after other tasks: how a success reaches the tasks waiting for it, exactly once.
//
// Each edge (task D runs after A) holds `pending_success_id`: A's latest success that D has not
// consumed yet. A success is written on the edges in the same transaction that records it
// (markSuccesses, from recordFinishes), so no crash can lose it. D's join is satisfied when every
// edge of D holds one. Whoever then triggers D (triggerDependents, after a finish or from the
// sweep, on any replica) does it under D's row lock and consumes the edges in the same
// transaction: the first one in sees the join satisfied and empties it, everyone after sees it
// empty. So one success of the last dependency starts D once, whichever replica sees it.
import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';

/**
 * Writes each succeeded execution on the edges of the tasks that run after its task (one per
 * task: the latest), locking edges in key order. Returns those dependents' ids.
 */
export async function markSuccesses(client: pg.ClientBase, successes: ReadonlyMap<string, string>): Promise<string[]> {
  const { rows } = await client.query<{ task_id: string }>(
    `with s as (select * from unnest($1::bigint[], $2::bigint[]) as s(task_id, execution_id)),
          e as (select d.task_id, d.depends_on_id, s.execution_id
                  from task_dependencies d join s on s.task_id = d.depends_on_id
                 order by d.task_id, d.depends_on_id
                   for no key update of d)
     update task_dependencies d set pending_success_id = e.execution_id
       from e where d.task_id = e.task_id and d.depends_on_id = e.depends_on_id
     returning d.task_id::text as task_id`,
    [[...successes.keys()], [...successes.values()]],
  );
  return [...new Set(rows.map((r) => r.task_id))];
}

interface Candidate {
  id: string;
  user_id: string;
  enabled: boolean;
  join_only: boolean;
}

interface Edge {
  task_id: string;
  pending: string | null;
}

export interface TriggerResult {
  /** New `dependency` executions of tasks without a schedule. */
  triggered: number;
  /** Waiting fires of scheduled tasks, now queued. */
  released: number;
}

/**
 * For each task in `taskIds` whose join is satisfied: a task without a schedule gets a new
 * execution (trigger `dependency`), a scheduled task's waiting fire is released (queued); either
 * records the satisfying executions and consumes the edges. A scheduled task with no waiting
 * fire is left alone: its successes stay pending until its next fire (see wait.ts). One
 * transaction; tasks are locked in id order, edges in key order.
 */
export async function triggerDependents(pool: pg.Pool, taskIds: readonly string[]): Promise<TriggerResult> {
  if (taskIds.length === 0) return { triggered: 0, released: 0 };
  const client = await pool.connect();
  try {
    await client.query('begin');
    const tasks = await client.query<Candidate>(
      `select id::text as id, user_id::text as user_id, enabled, schedule is null as join_only
         from tasks where id = any($1::bigint[]) order by id for no key update`,
      [[...new Set(taskIds)]],
    );
    const ids = tasks.rows.map((t) => t.id);
    // Read after the task locks: every success committed before them is visible here.
    const edges = await client.query<Edge>(
      `select task_id::text as task_id, pending_success_id::text as pending from task_dependencies
        where task_id = any($1::bigint[]) order by task_id, depends_on_id for no key update`,
      [ids],
    );
    const byTask = new Map<string, Edge[]>();
    for (const e of edges.rows) byTask.set(e.task_id, [...(byTask.get(e.task_id) ?? []), e]);
    const ready = tasks.rows.filter((t) => {
      const es = byTask.get(t.id);
      return t.enabled && es?.length && es.every((e) => e.pending !== null);
    });
    if (ready.length === 0) {
      await client.query('commit');
      return { triggered: 0, released: 0 };
    }
    const satisfied = (id: string) => JSON.stringify((byTask.get(id) ?? []).map((e) => e.pending));
    // The oldest waiting fire of each task goes first; a second one cannot exist (wait.ts skips it).
    const released = await client.query<{ task_id: string }>(
      `with w as (
         select distinct on (x.task_id) x.id, v.satisfied
           from executions x join unnest($1::bigint[], $2::text[]) as v(task_id, satisfied) on v.task_id = x.task_id
          where x.status = 'waiting' order by x.task_id, x.scheduled_for
       )
       update executions x set status = 'queued', owner = null, lease_until = null, satisfied_by = w.satisfied::jsonb
         from w where x.id = w.id and x.status = 'waiting'
       returning x.task_id::text as task_id`,
      [ready.map((t) => t.id), ready.map((t) => satisfied(t.id))],
    );
    const releasedIds = new Set(released.rows.map((r) => r.task_id));
    const joins = ready.filter((t) => t.join_only && !releasedIds.has(t.id));
    // scheduled_for is the instant of the trigger; on the (practically impossible) clash with
    // another execution of the task at that microsecond nothing is inserted or consumed, and the
    // sweep tries again later.
    const inserted = joins.length
      ? await client.query<{ task_id: string }>(
          `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, satisfied_by)
           select v.task_id, v.user_id, 'queued', 'dependency', 1, clock_timestamp(), v.satisfied::jsonb
             from unnest($1::bigint[], $2::bigint[], $3::text[]) as v(task_id, user_id, satisfied)
           on conflict (task_id, scheduled_for) do nothing
           returning task_id::text as task_id`,
          [joins.map((t) => t.id), joins.map((t) => t.user_id), joins.map((t) => satisfied(t.id))],
        )
      : { rows: [] };
    const consumed = [...releasedIds, ...inserted.rows.map((r) => r.task_id)];
    if (consumed.length) {
      await client.query(`update task_dependencies set pending_success_id = null where task_id = any($1::bigint[])`, [consumed]);
      await client.query('select pg_notify($1, $2)', [CHANNELS.work, '{"dependency":true}']);
    }
    await client.query('commit');
    return { triggered: inserted.rows.length, released: releasedIds.size };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The safety net: finds satisfied joins nobody triggered (a replica died between recording a
 * success and triggering its dependents, or the task was resumed after its dependencies
 * succeeded) and triggers them. Starts from partly satisfied edges only (a partial index).
 */
export async function sweepDependencies(pool: pg.Pool, limit = 500): Promise<TriggerResult> {
  const { rows } = await pool.query<{ task_id: string }>(
    `select d.task_id::text as task_id
       from task_dependencies d join tasks t on t.id = d.task_id
      where d.task_id in (select task_id from task_dependencies where pending_success_id is not null)
        and t.enabled
        and (t.schedule is null or exists (select 1 from executions x where x.task_id = t.id and x.status = 'waiting'))
      group by d.task_id
     having bool_and(d.pending_success_id is not null)
      limit $1`,
    [limit],
  );
  return await triggerDependents(
    pool,
    rows.map((r) => r.task_id),
  );
}
