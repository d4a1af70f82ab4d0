// Dependencies between a user's tasks (`after`) as stored: the ids a task names, its edges, the
// dependents that block a delete, and the graph the web app draws. Every function runs in the
// caller's transaction (see sql.ts); the cycle check lives in scheduler/set-dependencies.ts.
import { ValidationError } from '../errors.ts';
import type { Sql } from '../models/sql.ts';
import { MAX_DEPENDENCIES } from '../models/task.ts';

export interface TargetRow {
  id: string;
  user_id: string;
  name: string;
}

// Edits of one user's graph are serialised (two edits could each close half of a cycle) on a lock
// of their own; creates never take it, since nothing can depend on a task that does not exist yet.
const GRAPH_LOCK_CLASS = 736_152;

/** Dedupes, keeping the order the client gave. */
export function normalizeAfter(after: readonly (string | number)[]): string[] {
  return [...new Set(after.map(String))];
}

/**
 * The tasks named by `ids` that exist and are user tasks, locked against deletion (FOR KEY SHARE)
 * until the caller commits, so an edge is never written to a task deleted meanwhile.
 */
export async function findTargets(sql: Sql, ids: readonly string[]): Promise<Map<string, TargetRow>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<TargetRow>(
    `select id::text as id, user_id::text as user_id, name from tasks
      where id = any($1::bigint[]) and kind = 'user' order by id for key share`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** The 422 for the first id of `after` that is not one of the user's tasks, or null. */
export function targetProblem(after: readonly string[], userId: string, targets: ReadonlyMap<string, TargetRow>): ValidationError | null {
  if (after.length > MAX_DEPENDENCIES) {
    return new ValidationError(`after: at most ${MAX_DEPENDENCIES} tasks`, [{ path: 'after', message: `at most ${MAX_DEPENDENCIES} tasks` }]);
  }
  for (const [i, id] of after.entries()) {
    const t = targets.get(id);
    // Another user's task is as unknown as a missing one: its existence is not ours to reveal.
    if (!t || t.user_id !== userId) {
      return new ValidationError(`after.${i}: no task ${id} of yours`, [{ path: `after.${i}`, message: `no task ${id} of yours` }]);
    }
  }
  return null;
}

/** Writes edges (task runs after dependsOn); an existing edge keeps its pending success. */
export async function insertEdges(sql: Sql, edges: ReadonlyArray<{ userId: string; taskId: string; dependsOn: string }>): Promise<void> {
  if (edges.length === 0) return;
  await sql(
    `insert into task_dependencies (user_id, task_id, depends_on_id)
     select * from unnest($1::bigint[], $2::bigint[], $3::bigint[])
     on conflict (task_id, depends_on_id) do nothing`,
    [edges.map((e) => e.userId), edges.map((e) => e.taskId), edges.map((e) => e.dependsOn)],
  );
}

/** A user's edges as PostgreSQL packs them (scheduler/graph.ts graphFromBytes reads them). */
export interface PackedEdges {
  /** Big-endian pairs (task, runs after); null when the user has no edges. */
  bytes: Uint8Array | null;
  width: 4 | 8;
  /** What the 4-byte offsets count from. */
  base: number;
}

/**
 * The user's edges in one row of binary pairs: a row per edge (50,000 of them) would cost more
 * to receive and parse than the whole cycle check is allowed to take. Ids go as 4-byte offsets
 * from the user's lowest task id whenever the user's ids span less than 2^31 (always, in
 * practice), else as whole 8-byte ids.
 */
export async function loadUserEdges(sql: Sql, userId: string): Promise<PackedEdges> {
  const [span] = await sql<{ lo: string | null; wide: boolean | null }>(
    `select min(id)::text as lo, max(id) - min(id) >= 2147483647 as wide from tasks where user_id = $1`,
    [userId],
  );
  if (!span?.lo) return { bytes: null, width: 4, base: 0 };
  const pair = span.wide ? 'int8send(task_id) || int8send(depends_on_id)' : 'int4send((task_id - $2::bigint)::int) || int4send((depends_on_id - $2::bigint)::int)';
  const [row] = await sql<{ packed: Uint8Array | null }>(
    `select string_agg(${pair}, ''::bytea) as packed from task_dependencies where user_id = $1`,
    span.wide ? [userId] : [userId, span.lo],
  );
  return { bytes: row?.packed ?? null, width: span.wide ? 8 : 4, base: Number(span.lo) };
}

/** Makes `ids` the task's dependencies: drops the others, adds the new ones (kept edges keep their state). */
export async function replaceEdges(sql: Sql, task: { id: string; userId: string }, ids: readonly string[]): Promise<void> {
  await sql(`delete from task_dependencies where task_id = $1 and not (depends_on_id = any($2::bigint[]))`, [task.id, ids]);
  await insertEdges(
    sql,
    ids.map((dependsOn) => ({ userId: task.userId, taskId: task.id, dependsOn })),
  );
}

/** Serialises edits of one user's graph until the transaction ends. */
export async function lockUserGraph(sql: Sql, userId: string): Promise<void> {
  await sql('select pg_advisory_xact_lock($1::int, ($2::bigint % 2147483647)::int)', [GRAPH_LOCK_CLASS, userId]);
}

/** The ids a task runs after, in id order. */
export async function dependenciesOf(sql: Sql, taskId: string): Promise<string[]> {
  const rows = await sql<{ id: string }>(`select depends_on_id::text as id from task_dependencies where task_id = $1 order by depends_on_id`, [taskId]);
  return rows.map((r) => r.id);
}

/** The tasks that run after this one. */
export async function dependentsOf(sql: Sql, taskId: string): Promise<Array<{ id: string; name: string }>> {
  return await sql<{ id: string; name: string }>(
    `select t.id::text as id, t.name from task_dependencies d join tasks t on t.id = d.task_id where d.depends_on_id = $1 order by t.id`,
    [taskId],
  );
}

export interface GraphNode {
  id: string;
  name: string;
  enabled: boolean;
  scheduled: boolean;
  nextRunAt: string | null;
  lastStatus: string | null;
  lastRunAt: string | null;
}

/** The user's tasks that have dependencies or dependents, and the edges between them (from runs before to). */
export async function dependencyGraph(sql: Sql, userId: string): Promise<{ nodes: GraphNode[]; edges: Array<{ from: string; to: string; satisfied: boolean }> }> {
  const edges = await sql<{ from: string; to: string; satisfied: boolean }>(
    `select depends_on_id::text as "from", task_id::text as "to", pending_success_id is not null as satisfied
       from task_dependencies where user_id = $1 order by task_id, depends_on_id`,
    [userId],
  );
  if (edges.length === 0) return { nodes: [], edges: [] };
  const ids = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const nodes = await sql<{ id: string; name: string; enabled: boolean; scheduled: boolean; next: string | null; last_status: string | null; last: string | null }>(
    `select id::text as id, name, enabled, schedule is not null as scheduled, to_json(next_run_at) #>> '{}' as next, last_status,
            to_json(last_run_at) #>> '{}' as last
       from tasks where id = any($1::bigint[]) and user_id = $2 order by id`,
    [ids, userId],
  );
  const iso = (v: string | null) => (v ? new Date(v).toISOString() : null);
  return {
    nodes: nodes.map((n) => ({ id: n.id, name: n.name, enabled: n.enabled, scheduled: n.scheduled, nextRunAt: iso(n.next), lastStatus: n.last_status, lastRunAt: iso(n.last) })),
    edges,
  };
}
