// Statements on task_dependencies (the "runs after" edges) and the executions a satisfied join
// starts or releases. The protocol they serve is written up in src/scheduler/dependencies.ts.
import type pg from 'pg';

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

export interface JoinCandidate {
  id: string;
  userId: string;
  enabled: boolean;
  /** No schedule: the task runs only when its dependencies succeed. */
  joinOnly: boolean;
}

/** Locks the tasks in id order (no key update) and reads what a trigger decides on. */
export async function lockJoinCandidates(client: pg.ClientBase, taskIds: readonly string[]): Promise<JoinCandidate[]> {
  const { rows } = await client.query<{ id: string; user_id: string; enabled: boolean; join_only: boolean }>(
    `select id::text as id, user_id::text as user_id, enabled, schedule is null as join_only
       from tasks where id = any($1::bigint[]) order by id for no key update`,
    [[...new Set(taskIds)]],
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id, enabled: r.enabled, joinOnly: r.join_only }));
}

export interface PendingEdge {
  taskId: string;
  /** The dependency's success not consumed yet, or null. */
  pending: string | null;
}

/** Locks the edges of `taskIds` in key order and reads what each one holds. */
export async function lockEdgesOf(client: pg.ClientBase, taskIds: readonly string[]): Promise<PendingEdge[]> {
  const { rows } = await client.query<{ task_id: string; pending: string | null }>(
    `select task_id::text as task_id, pending_success_id::text as pending from task_dependencies
      where task_id = any($1::bigint[]) order by task_id, depends_on_id for no key update`,
    [taskIds],
  );
  return rows.map((r) => ({ taskId: r.task_id, pending: r.pending }));
}

/**
 * Queues the oldest waiting fire of each task, recording what satisfied it (JSON text per task,
 * parallel to `taskIds`). Returns the ids of the tasks whose fire was released.
 */
export async function releaseWaitingFires(client: pg.ClientBase, taskIds: readonly string[], satisfied: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ task_id: string }>(
    `with w as (
       select distinct on (x.task_id) x.id, v.satisfied
         from executions x join unnest($1::bigint[], $2::text[]) as v(task_id, satisfied) on v.task_id = x.task_id
        where x.status = 'waiting' order by x.task_id, x.scheduled_for
     )
     update executions x set status = 'queued', owner = null, lease_until = null, satisfied_by = w.satisfied::jsonb
       from w where x.id = w.id and x.status = 'waiting'
     returning x.task_id::text as task_id`,
    [taskIds, satisfied],
  );
  return rows.map((r) => r.task_id);
}

/**
 * Inserts one queued `dependency` execution per task, scheduled for the instant of the trigger
 * (clock_timestamp()); one that clashes with an execution of the task at that microsecond is not
 * inserted. Returns the ids of the tasks that got one.
 */
export async function insertDependencyRuns(client: pg.ClientBase, runs: readonly { taskId: string; userId: string; satisfied: string }[]): Promise<string[]> {
  if (runs.length === 0) return [];
  const { rows } = await client.query<{ task_id: string }>(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, satisfied_by)
     select v.task_id, v.user_id, 'queued', 'dependency', 1, clock_timestamp(), v.satisfied::jsonb
       from unnest($1::bigint[], $2::bigint[], $3::text[]) as v(task_id, user_id, satisfied)
     on conflict (task_id, scheduled_for) do nothing
     returning task_id::text as task_id`,
    [runs.map((r) => r.taskId), runs.map((r) => r.userId), runs.map((r) => r.satisfied)],
  );
  return rows.map((r) => r.task_id);
}

/** Empties the edges of `taskIds`: their pending successes are used up. */
export async function consumeEdges(client: pg.ClientBase, taskIds: readonly string[]): Promise<void> {
  await client.query('update task_dependencies set pending_success_id = null where task_id = any($1::bigint[])', [taskIds]);
}

/**
 * Enabled tasks whose every edge holds a success and that a trigger would act on (no schedule,
 * or a waiting fire). Starts from partly satisfied edges only (a partial index).
 */
export async function findSatisfiedJoins(db: pg.Pool | pg.ClientBase, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ task_id: string }>(
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
  return rows.map((r) => r.task_id);
}
