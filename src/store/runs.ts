// The "All runs" reading: a user's executions across their tasks, newest first, each with its
// task's name and what went wrong in its tool calls (a run can succeed although a tool failed).
import type pg from 'pg';
import { Execution } from '../models/execution.ts';
import { columnsOf, rowMapper } from './columns.ts';

export type RunRow = Execution & { taskName: string; failedToolCalls: number; firstToolError: string | null };

export interface RunFilter {
  userId: string;
  taskId?: string | undefined;
  status?: string | undefined;
  /** Ids below this one (the next page). */
  before?: string | undefined;
  limit: number;
}

const toExecution = rowMapper<Execution>(Execution);

// Both readings select a run with its task's name and its failed tool steps.
const RUN_COLUMNS = `${columnsOf(Execution, { alias: 'e' })}, t.name as task_name,
       coalesce(te.n, 0) as failed_tool_calls, te.first as first_tool_error`;

// The tool steps that failed are read per row shown only (a lateral join on the steps' primary
// key), so a page costs `limit` short index scans whatever the history's length.
const TOOL_ERRORS = `left join lateral (
    select count(*)::int as n, (array_agg(s.data->>'error' order by s.index))[1] as first
      from execution_steps s
     where s.execution_id = e.id and s.kind = 'tool' and s.data->>'error' is not null
  ) te on true`;

const SQL = `select ${RUN_COLUMNS}
  from executions e
  join tasks t on t.id = e.task_id
  ${TOOL_ERRORS}
 where e.user_id = $1 and t.kind = 'user'
   and ($2::bigint is null or e.task_id = $2) and ($3::text is null or e.status = $3) and ($4::bigint is null or e.id < $4)
 order by e.id desc
 limit $5`;

const LATEST_SQL = `select ${RUN_COLUMNS}
  from tasks t
  cross join lateral (
    select * from executions x
     where x.task_id = t.id and x.status in ('succeeded', 'failed', 'cancelled', 'interrupted') and not x.dry_run
     order by x.id desc limit 1
  ) e
  ${TOOL_ERRORS}
 where t.user_id = $1 and t.kind = 'user'
 order by t.id desc
 limit $2`;

const runOf = (r: Record<string, unknown>): RunRow =>
  Object.assign(toExecution(r), { taskName: r.task_name as string, failedToolCalls: r.failed_tool_calls as number, firstToolError: (r.first_tool_error as string | null) ?? null });

/** The last finished run of each of the user's tasks (at most `limit` tasks, newest tasks first): what a task card says of its last run. */
export async function latestRuns(db: pg.Pool | pg.ClientBase, userId: string, limit: number): Promise<RunRow[]> {
  const { rows } = await db.query({ name: 'runs-latest', text: LATEST_SQL, values: [userId, limit] });
  return rows.map(runOf);
}

/** One page of runs, newest first; one more than `limit` tells the caller there is a next page. */
export async function listRuns(db: pg.Pool | pg.ClientBase, f: RunFilter): Promise<RunRow[]> {
  // Unnamed, so planned for its values: the filters are optional, and a generic plan fits none of their combinations.
  const { rows } = await db.query({ text: SQL, values: [f.userId, f.taskId ?? null, f.status ?? null, f.before ?? null, f.limit + 1] });
  return rows.map(runOf);
}
