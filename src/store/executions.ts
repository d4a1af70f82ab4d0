// The executions table's statements on the run path: starts, skips and finishes of runs, their
// retries, leases, releases and the orphan sweep (src/scheduler/record.ts decides, these write).
// Every write is fenced on (owner, epoch, status): a replica that lost an execution (its lease
// expired and another took it, or the user cancelled it) cannot record over the new truth.
import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';

const secs = (p: string) => `make_interval(secs => ${p}::float8 / 1000)`;

type Db = pg.Pool | pg.ClientBase;

/** Marks queued runs `running` (fenced); returns the ids it marked. */
export async function markStarted(db: Db, owner: string, leaseMs: number, starts: Array<{ id: string; epoch: number; startedAt: number }>): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `update executions x set status = 'running', started_at = to_timestamp(v.started_ms / 1000), lease_until = now() + ${secs('$5')}
       from unnest($1::bigint[], $2::int[], $3::float8[]) as v(id, epoch, started_ms)
      where x.id = v.id and x.owner = $4 and x.epoch = v.epoch and x.status = 'queued'
      returning x.id::text as id`,
    [starts.map((s) => s.id), starts.map((s) => s.epoch), starts.map((s) => s.startedAt), owner, leaseMs],
  );
  return new Set(rows.map((r) => r.id));
}

/** Records fires skipped because the previous run of their task was still going (overlap: skip). */
export async function markSkipped(db: Db, owner: string, skips: Array<{ id: string; epoch: number }>): Promise<void> {
  await db.query(
    `update executions x set status = 'skipped', finished_at = now(), lease_until = null,
            error = '{"type":"overlap","message":"skipped: the previous run of this task was still running (overlap: skip)"}'::jsonb
       from unnest($1::bigint[], $2::int[]) as v(id, epoch)
      where x.id = v.id and x.owner = $3 and x.epoch = v.epoch and x.status = 'queued'`,
    [skips.map((s) => s.id), skips.map((s) => s.epoch), owner],
  );
}

export interface FinishRow {
  id: string;
  epoch: number;
  status: string;
  output: string | null;
  /** The error as JSON text, or null. */
  error: string | null;
  promptTokens: number;
  completionTokens: number;
  llmCalls: number;
  toolCalls: number;
  finishedAt: number;
}

export interface FinishedRow {
  id: string;
  task_id: string;
  user_id: string;
  attempt: number;
  dry_run: boolean;
  trigger: string;
}

/** Writes terminal results of running executions (fenced); returns the rows it finished. */
export async function markFinished(db: Db, owner: string, rows: FinishRow[]): Promise<FinishedRow[]> {
  const done = await db.query<FinishedRow>(
    `update executions x
        set status = v.status, output = v.output, error = v.error::jsonb, finished_at = to_timestamp(v.fin / 1000),
            prompt_tokens = v.pt, completion_tokens = v.ct, llm_calls = v.lc, tool_calls = v.tc, lease_until = null
       from unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::int[], $10::float8[])
            as v(id, epoch, status, output, error, pt, ct, lc, tc, fin)
      where x.id = v.id and x.owner = $11 and x.epoch = v.epoch and x.status = 'running'
      returning x.id::text as id, x.task_id::text as task_id, x.user_id::text as user_id, x.attempt, x.dry_run, x.trigger`,
    [
      rows.map((f) => f.id),
      rows.map((f) => f.epoch),
      rows.map((f) => f.status),
      rows.map((f) => f.output),
      rows.map((f) => f.error),
      rows.map((f) => f.promptTokens),
      rows.map((f) => f.completionTokens),
      rows.map((f) => f.llmCalls),
      rows.map((f) => f.toolCalls),
      rows.map((f) => f.finishedAt),
      owner,
    ],
  );
  return done.rows;
}

/** Queues retry attempts at given instants (ms since the epoch) and wakes the engines. */
export async function insertRetries(db: Db, retries: Array<{ taskId: string; userId: string; attempt: number; at: number; dryRun: boolean }>): Promise<void> {
  await db.query(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run)
     select v.task_id, v.user_id, 'queued', 'retry', v.attempt, to_timestamp(v.at / 1000), v.dry_run
       from unnest($1::bigint[], $2::bigint[], $3::int[], $4::float8[], $5::bool[]) as v(task_id, user_id, attempt, at, dry_run)
     on conflict (task_id, scheduled_for) do nothing`,
    [retries.map((r) => r.taskId), retries.map((r) => r.userId), retries.map((r) => r.attempt), retries.map((r) => r.at), retries.map((r) => r.dryRun)],
  );
  await db.query('select pg_notify($1, $2)', [CHANNELS.work, '{"retry":true}']);
}

export interface TaskFinish {
  taskId: string;
  fin: number;
  status: string;
  finalFailures: number;
  pause: string | null;
  lastError: string | null;
}

/**
 * A task's last status, consecutive failures and self-pausing after its runs finished (one row per
 * task); returns the tasks updated and whether each paused.
 */
export async function updateTasksAfterFinish(db: Db, rows: TaskFinish[]): Promise<Array<{ id: string; user_id: string; paused: boolean }>> {
  const updated = await db.query<{ id: string; user_id: string; paused: boolean }>(
    `with v as (
       select * from unnest($1::bigint[], $2::float8[], $3::text[], $4::int[], $5::text[], $6::text[])
         as v(task_id, fin, status, final_failures, pause, last_error)
     ), locked as (
       -- Row locks in id order, as dependencies.ts takes them: two transactions never wait on each other in a circle.
       select t.* from tasks t where t.id = any($1::bigint[]) order by t.id for no key update
     ), calc as (
       select t.id, v.fin, v.status,
              case when v.status = 'succeeded' then 0 else t.consecutive_failures + v.final_failures end as cf,
              coalesce(v.pause,
                case when v.final_failures > 0 and t.pause_after_failures > 0
                          and t.consecutive_failures + v.final_failures >= t.pause_after_failures
                     then format('paused after %s consecutive failed runs; last error: %s',
                                 t.consecutive_failures + v.final_failures, coalesce(v.last_error, 'unknown'))
                end) as pause
         from locked t join v on v.task_id = t.id
     )
     update tasks t
        set last_run_at = to_timestamp(c.fin / 1000), last_status = c.status, consecutive_failures = c.cf,
            paused_reason = coalesce(c.pause, t.paused_reason),
            -- a one-off (or a task past its endAt) has no next run left: it disables itself once it ran;
            -- a task without a schedule (it runs after others) never had one and stays enabled
            enabled = t.enabled and c.pause is null and (t.next_run_at is not null or t.schedule is null),
            next_run_at = case when c.pause is null then t.next_run_at end,
            updated_at = now()
       from calc c
      where t.id = c.id
      returning t.id::text as id, t.user_id::text as user_id, (c.pause is not null) as paused`,
    [rows.map((x) => x.taskId), rows.map((x) => x.fin), rows.map((x) => x.status), rows.map((x) => x.finalFailures), rows.map((x) => x.pause), rows.map((x) => x.lastError)],
  );
  return updated.rows;
}

/**
 * Removes fires claimed but not started for tasks that were paused, deleted or rescheduled, and
 * tells every engine to forget them. Manual runs stay: the user asked for those explicitly.
 */
export async function dropQueuedFires(db: Db, taskIds: string[], op: string): Promise<void> {
  await db.query(`delete from executions where task_id = any($1::bigint[]) and status in ('queued', 'waiting') and trigger <> 'manual'`, [taskIds]);
  for (const id of taskIds) await db.query('select pg_notify($1, $2)', [CHANNELS.tasks, JSON.stringify({ id, op })]);
}

/** Extends the leases of executions this replica holds; returns the ids it still holds. */
export async function extendLeases(db: Db, owner: string, leaseMs: number, ids: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `update executions set lease_until = now() + ${secs('$3')}
      where id = any($1::bigint[]) and owner = $2 and status in ('queued', 'running')
      returning id::text as id`,
    [ids, owner, leaseMs],
  );
  return new Set(rows.map((r) => r.id));
}

/** Gives back queued fires this replica claimed (ownerless, no lease) and wakes the engines. */
export async function unclaimQueued(db: Db, owner: string, ids: string[]): Promise<void> {
  await db.query(
    `update executions set owner = null, lease_until = null
      where id = any($1::bigint[]) and owner = $2 and status = 'queued'`,
    [ids, owner],
  );
  await db.query('select pg_notify($1, $2)', [CHANNELS.work, '{"released":true}']);
}

/** A running execution just marked `interrupted` (lease expired, or its replica taken over): what its retry needs. */
export interface InterruptedRun {
  id: string;
  task_id: string;
  user_id: string;
  attempt: number;
  dry_run: boolean;
  max_attempts: number;
}

/** Marks up to `limit` running executions whose lease expired `interrupted` (SKIP LOCKED); returns them. */
export async function interruptExpired(db: Db, limit: number): Promise<InterruptedRun[]> {
  const dead = await db.query<InterruptedRun>(
    `with dead as (
       select id from executions where status = 'running' and lease_until < now()
        order by lease_until limit $1 for update skip locked
     )
     update executions x
        set status = 'interrupted', finished_at = now(), lease_until = null,
            error = '{"type":"interrupted","message":"the scheduler running this execution stopped before it finished (lease expired)"}'::jsonb
       from dead, tasks t
      where x.id = dead.id and t.id = x.task_id
      returning x.id::text as id, x.task_id::text as task_id, x.user_id::text as user_id, x.attempt, x.dry_run, t.max_attempts`,
    [limit],
  );
  return dead.rows;
}

/** Queues retries `delayMs` from now for interrupted executions and wakes the engines. */
export async function insertRetriesAfter(db: Db, delayMs: number, retries: Array<{ taskId: string; userId: string; attempt: number; dryRun: boolean }>): Promise<void> {
  await db.query(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run)
     select v.task_id, v.user_id, 'queued', 'retry', v.attempt, now() + ${secs('$5')}, v.dry_run
       from unnest($1::bigint[], $2::bigint[], $3::int[], $4::bool[]) as v(task_id, user_id, attempt, dry_run)
     on conflict (task_id, scheduled_for) do nothing`,
    [retries.map((r) => r.taskId), retries.map((r) => r.userId), retries.map((r) => r.attempt), retries.map((r) => r.dryRun), delayMs],
  );
  await db.query('select pg_notify($1, $2)', [CHANNELS.work, '{"retry":true}']);
}

/** Marks tasks whose run was interrupted. */
export async function markTasksInterrupted(db: Db, taskIds: string[]): Promise<void> {
  await db.query(`update tasks set last_status = 'interrupted', updated_at = now() where id = any($1::bigint[])`, [taskIds]);
}
