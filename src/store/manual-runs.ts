// Manual runs ("run now"), queued in batches: one statement inserts them and refuses those the
// task's overlap policy or budget forbids; another wakes the engines.
import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';

// The refusals are decided in the statement that inserts, so they cost no round trip of their own.
// A run-now counts as "active" for overlap while it is running, or queued as a manual run in the
// last minute (a double click); a race with a fire the engine is about to start is settled by the
// engine, which records the later one `skipped`, as it does for scheduled fires. The month's tokens
// are summed like the runner sums them (runner/context.ts), only for tasks that have a budget.
const INSERT_SQL = `
with v as (
  select * from unnest($1::bigint[], $2::bigint[], $3::bool[], $4::timestamptz[]) with ordinality as v(task_id, user_id, dry_run, at, ord)
), req as (
  select v.ord, v.task_id, v.user_id, v.dry_run, v.at, t.monthly_token_budget as budget,
         case when t.overlap = 'skip' then
           row_number() over (partition by v.task_id order by v.ord) > 1
           or exists (select 1 from executions e where e.task_id = t.id and e.status = 'running')
           -- status || '': not the partial index of open executions, whose rows in the last minute
           -- are every replica's queue (a scan of thousands a check under load), but (task_id, scheduled_for).
           or exists (select 1 from executions e where e.task_id = t.id and e.scheduled_for > v.at - interval '1 minute'
                       and e.scheduled_for <= v.at and e.status || '' = 'queued' and e.trigger = 'manual')
         else false end as busy,
         case when t.monthly_token_budget is null then 0 else
           (select coalesce(sum(e.prompt_tokens + e.completion_tokens), 0)::float8 from executions e
             where e.task_id = t.id
               and e.started_at >= (date_trunc('month', v.at at time zone t.timezone) at time zone t.timezone))
         end as used
    from v join tasks t on t.id = v.task_id and t.user_id = v.user_id
), ins as (
  insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run, created_at)
  select r.task_id, r.user_id, 'queued', 'manual', 1, r.at, r.dry_run, r.at
    from req r
   where not r.busy and (r.budget is null or r.used < r.budget)
  on conflict (task_id, scheduled_for) do nothing
  returning id, task_id, scheduled_for
)
select r.ord::int as ord, ins.id::text as id, r.busy, r.used, r.budget
  from req r left join ins on ins.task_id = r.task_id and ins.scheduled_for = r.at`;

export interface ManualRunRow {
  taskId: string;
  userId: string;
  dryRun: boolean;
  /** The run's instant, ISO with microseconds (unique per task). */
  at: string;
}

/** Per request (ord = 1-based position): the inserted id, or null with why (busy, budget used). */
export interface ManualRunOutcome {
  ord: number;
  id: string | null;
  busy: boolean;
  used: number;
  budget: number | null;
}

/** Rows only for requests whose task exists and belongs to the user. */
export async function insertManualRuns(db: pg.Pool | pg.ClientBase, runs: ManualRunRow[]): Promise<ManualRunOutcome[]> {
  const { rows } = await db.query<ManualRunOutcome>({
    name: 'api_insert_manual_runs',
    text: INSERT_SQL,
    values: [runs.map((r) => r.taskId), runs.map((r) => r.userId), runs.map((r) => r.dryRun), runs.map((r) => r.at)],
  });
  return rows;
}

/**
 * Wakes the engines to claim the manual runs just committed. Its own transaction, not the insert's:
 * PostgreSQL holds one cluster-wide lock from a notifying transaction's commit until its WAL is
 * flushed, so inserts that notified ran strictly one after another, each with its own flush.
 */
export async function wakeForManualRuns(db: pg.Pool | pg.ClientBase): Promise<void> {
  await db.query({ name: 'api_wake_manual_runs', text: `select pg_notify($1, '{"manual":true}')`, values: [CHANNELS.work] });
}
