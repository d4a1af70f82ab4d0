import type pg from 'pg';
import { Task } from '../models/task.ts';
import type { Sql } from './sql.ts';
import { columnsOf, compileInsert, type Insert, rowMapper, tableOf } from './columns.ts';

// The tasks table's statements. Column lists and the row mapper come from the Task entity
// (columns.ts), so a column added there is selected, inserted and mapped here without an edit.
// Reads are plain SQL on the ORM's pool: a MikroORM findOne costs ~0.7 ms of CPU over the round
// trip itself (measured: 1.03 ms vs 0.35 ms), which halves the read rate of a 2-core server.

/** A task as the API shows it: its columns and the ids it runs after. */
export type TaskView = Task & { after: string[] };

/** Every column a new user task may set; the rest start at the entity's defaults. */
export type NewTask = Omit<
  Task,
  'id' | 'createdAt' | 'updatedAt' | 'lastRunAt' | 'lastStatus' | 'pausedReason' | 'consecutiveFailures' | 'kind' | 'systemName' | 'orphaned' | 'waitSeconds' | 'hasDependencies' | 'description' | 'webhookEvents' | 'action' | 'workerTokenHash' | 'notifyResult'
> & {
  /** Absent: an llm task (the entity's default). */
  action?: Task['action'];
  workerTokenHash?: string | null;
  waitSeconds?: number;
  notifyResult?: boolean;
  /** Null or absent: a run webhook for every finish status. */
  webhookEvents?: Task['webhookEvents'];
  description?: string | null;
  /** Tasks of the same user this one runs after (task_dependencies rows). */
  after?: string[];
};

const AFTER = 'array(select d.depends_on_id::text from task_dependencies d where d.task_id = t.id order by d.depends_on_id) as after';
const SELECT = `${columnsOf(Task, { alias: 't' })}, ${AFTER}`;
const toTask = rowMapper<Task>(Task);

export function taskFromRow(row: Record<string, unknown>): TaskView {
  const t = toTask(row) as TaskView;
  t.after = (row.after as string[] | undefined) ?? [];
  return t;
}

/** One task of one user, or null (another user's task is as absent as a missing one). */
export async function findTask(db: pg.Pool | pg.ClientBase, userId: string, id: string): Promise<TaskView | null> {
  const { rows } = await db.query({ name: 'task-by-id', text: `select ${SELECT} from tasks t where t.id = $1 and t.user_id = $2`, values: [id, userId] });
  return rows[0] ? taskFromRow(rows[0]) : null;
}

/** Tasks of one user by id, in id order. */
export async function findTasks(db: pg.Pool | pg.ClientBase, userId: string, ids: readonly string[]): Promise<TaskView[]> {
  const { rows } = await db.query({
    name: 'tasks-by-ids',
    text: `select ${SELECT} from tasks t where t.id = any($1::bigint[]) and t.user_id = $2 order by t.id`,
    values: [ids, userId],
  });
  return rows.map(taskFromRow);
}

/** A page of a user's tasks, newest first; one more than `limit` tells the caller there is a next page. */
export async function listTasks(db: pg.Pool | pg.ClientBase, userId: string, q: { enabled?: boolean; cursor?: string; limit: number }): Promise<TaskView[]> {
  // Unnamed, so planned for its values: a generic plan could not use the cursor (an optional filter) to start the index scan.
  const { rows } = await db.query({
    text: `select ${SELECT} from tasks t
            where t.user_id = $1 and ($2::boolean is null or t.enabled = $2) and ($3::bigint is null or t.id < $3)
            order by t.id desc limit $4`,
    values: [userId, q.enabled ?? null, q.cursor ?? null, q.limit + 1],
  });
  return rows.map(taskFromRow);
}

// A new task comes back as its id alone: every other column is what the insert wrote (the fields
// given, the entity's defaults, `now`), so the answer is built from that instead of having the
// database format and the driver parse ~40 columns a row (a sixth of a 1,000-task batch's time).
const INSERT = compileInsert(Task, { returning: 'id::text as id' });
const INSERT_AT_ONCE = compileInsert(Task, { returning: 'id::text as id', where: '(select ok from fits)' });
const INSERT_ONE_AT_ONCE = compileInsert(Task, { returning: 'id::text as id', where: '(select ok from fits)', one: true });

/** The task as inserted: the completed row, its id, and `after` as given (deduplicated, in id order). */
function insertedTask(row: Record<string, unknown>, id: string, after: readonly string[] | undefined): TaskView {
  const t = row as TaskView;
  t.id = id;
  t.after = after?.length ? [...new Set(after.map(String))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)) : [];
  return t;
}

function completeRows(insert: Insert, tasks: readonly NewTask[], now: Date): Record<string, unknown>[] {
  return tasks.map(({ after, ...fields }) => insert.complete({ ...fields, hasDependencies: Boolean(after?.length), createdAt: now, updatedAt: now }, now));
}

/**
 * The one task insert: every new task (API create, batch create, create_reminder) is written by
 * this multi-row statement, fields left out taking the entity's defaults. Rows come back in input
 * order, with `after` as given (the edges are the caller's: insertEdges).
 */
export async function insertTasks(db: pg.ClientBase, tasks: readonly NewTask[], now: Date): Promise<TaskView[]> {
  if (tasks.length === 0) return [];
  const rows = completeRows(INSERT, tasks, now);
  const { rows: out } = await db.query<{ id: string }>({ name: 'insert-tasks', text: INSERT.text, values: INSERT.params(rows) });
  return rows.map((r, i) => insertedTask(r, (out[i] as { id: string }).id, tasks[i]?.after));
}

const atOnceParam = (i: number) => `$${tableOf(Task).columns.length - 1 + i}`; // after the insert's own parameters
// FOR UPDATE in a CTE re-reads a row a concurrent create changed (task_count by the tasks trigger),
// so the count is exact as in lockTaskCounts. pg_notify runs only if a row was inserted.
const atOnce = (insert: Insert) => `with owners as (
      select u.id, u.task_count from users u where u.id = any(${atOnceParam(1)}::bigint[]) order by u.id for update
    ), fits as (
      select count(*) = cardinality(${atOnceParam(1)}::bigint[]) and coalesce(bool_and(o.task_count + w.n <= ${atOnceParam(3)}), false) as ok
        from owners o join unnest(${atOnceParam(1)}::bigint[], ${atOnceParam(2)}::int[]) as w(id, n) on w.id = o.id
    ), ins as (${insert.text})
    select ins.* from ins, (select pg_notify(${atOnceParam(4)}, ${atOnceParam(5)}) from (select 1 from ins limit 1) one) told`;
const AT_ONCE = { many: { name: 'insert-tasks-at-once', insert: INSERT_AT_ONCE, text: atOnce(INSERT_AT_ONCE) }, one: { name: 'insert-task-at-once', insert: INSERT_ONE_AT_ONCE, text: atOnce(INSERT_ONE_AT_ONCE) } };

/**
 * insertTasks as one statement of its own (no transaction around it): the owners' rows are locked,
 * the tasks inserted only if every owner stays within `maxTasks`, and the engines told — one round
 * trip and one commit instead of five round trips, which is what a caller awaiting each create
 * waits for. Null when an owner would pass the limit (nothing written; the caller finds out whose).
 * Tasks with `after` need their edges checked and written in a transaction: not for this path.
 */
export async function insertTasksAtOnce(db: pg.Pool | pg.ClientBase, tasks: readonly NewTask[], now: Date, opts: { maxTasks: number; channel: string; payload: Record<string, unknown> }): Promise<TaskView[] | null> {
  if (tasks.length === 0) return [];
  const adding = new Map<string, number>();
  for (const t of tasks) adding.set(String(t.userId), (adding.get(String(t.userId)) ?? 0) + 1);
  const { name, insert, text } = tasks.length === 1 ? AT_ONCE.one : AT_ONCE.many;
  const rows = completeRows(insert, tasks, now);
  const { rows: out } = await db.query<{ id: string }>({
    name,
    text,
    values: [...insert.params(rows), [...adding.keys()], [...adding.values()], opts.maxTasks, opts.channel, JSON.stringify(opts.payload)],
  });
  if (out.length === 0) return null;
  return rows.map((r, i) => insertedTask(r, (out[i] as { id: string }).id, []));
}

/** Deletes tasks by id (a create that lost its Idempotency-Key race). */
export async function deleteTasks(db: pg.ClientBase, ids: readonly string[]): Promise<void> {
  if (ids.length) await db.query('delete from tasks where id = any($1::bigint[])', [ids]);
}

/**
 * Locks the owners' rows (in id order, so concurrent creates cannot deadlock) and returns how
 * many tasks each owns; task_count is kept exact by triggers on tasks (migration task_counts).
 */
export async function lockTaskCounts(db: pg.ClientBase, userIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ user_id: string; n: number }>(
    'select id::text as user_id, task_count as n from users where id = any($1::bigint[]) order by id for update',
    [[...new Set(userIds)]],
  );
  return new Map(rows.map((r) => [r.user_id, r.n]));
}

/** Deletes a task's fires claimed for its old timing (paused, rescheduled); manual runs stay. */
export async function dropClaimedFires(sql: Sql, taskId: string): Promise<void> {
  await sql(`delete from executions where task_id = $1 and status in ('queued', 'waiting') and trigger <> 'manual'`, [taskId]);
}

/** Locks one task's row until the transaction ends (a delete checks its dependents under it). */
export async function lockTask(sql: Sql, taskId: string): Promise<void> {
  await sql('select id from tasks where id = $1 for update', [taskId]);
}

export async function deleteTask(sql: Sql, taskId: string): Promise<void> {
  await sql('delete from tasks where id = $1', [taskId]);
}

/** Tells every engine (delivered only if the transaction commits). */
export async function notifyTasks(db: pg.ClientBase, channel: string, payload: Record<string, unknown>): Promise<void> {
  await db.query('select pg_notify($1, $2)', [channel, JSON.stringify(payload)]);
}
