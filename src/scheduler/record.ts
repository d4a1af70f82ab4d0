import type pg from 'pg';
import type { ExecutionError } from '../models/execution.ts';
import { CHANNELS } from '../models/notify.ts';
import { markSuccesses } from './dependencies.ts';
import type { RunUsage } from './runner-port.ts';

// Every write here is fenced on (owner, epoch, status): a replica that lost an execution (its
// lease expired and another took it, or the user cancelled it) cannot record over the new truth.

const secs = (p: string) => `make_interval(secs => ${p}::float8 / 1000)`;

/** Marks started runs `running`; returns the ids that were NOT ours to start (abort those). */
export async function recordStarts(
  pool: pg.Pool,
  owner: string,
  leaseMs: number,
  starts: Array<{ id: string; epoch: number; startedAt: number }>,
): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    `update executions x set status = 'running', started_at = to_timestamp(v.started_ms / 1000), lease_until = now() + ${secs('$5')}
       from unnest($1::bigint[], $2::int[], $3::float8[]) as v(id, epoch, started_ms)
      where x.id = v.id and x.owner = $4 and x.epoch = v.epoch and x.status = 'queued'
      returning x.id::text as id`,
    [starts.map((s) => s.id), starts.map((s) => s.epoch), starts.map((s) => s.startedAt), owner, leaseMs],
  );
  const ok = new Set(rows.map((r) => r.id));
  return new Set(starts.filter((s) => !ok.has(s.id)).map((s) => s.id));
}

/** Records fires skipped because the previous run of their task was still going (overlap: skip). */
export async function recordSkips(pool: pg.Pool, owner: string, skips: Array<{ id: string; epoch: number }>): Promise<void> {
  await pool.query(
    `update executions x set status = 'skipped', finished_at = now(), lease_until = null,
            error = '{"type":"overlap","message":"skipped: the previous run of this task was still running (overlap: skip)"}'::jsonb
       from unnest($1::bigint[], $2::int[]) as v(id, epoch)
      where x.id = v.id and x.owner = $3 and x.epoch = v.epoch and x.status = 'queued'`,
    [skips.map((s) => s.id), skips.map((s) => s.epoch), owner],
  );
}

export interface Finish {
  id: string;
  epoch: number;
  status: 'succeeded' | 'failed' | 'interrupted';
  output: string | null;
  error: ExecutionError | null;
  usage: RunUsage;
  finishedAt: number;
  /** Schedule another attempt at this instant (transient failure with attempts left, or a released run). */
  retryAt: number | null;
  pauseReason: string | null;
}

export interface FinishedTask {
  taskId: string;
  userId: string;
  paused: boolean;
}

export interface FinishesRecorded {
  tasks: FinishedTask[];
  /** Tasks that run after a task that just succeeded: their joins may now be satisfied (dependencies.ts). */
  dependents: string[];
}

/**
 * Records terminal results in one transaction: the executions (fenced), their retries, the
 * tasks' last status, consecutive failures and self-pausing, and each success on the edges of
 * the tasks that run after it (so a crash after this commit loses no success). Returns the tasks
 * touched and the dependents to check.
 */
export async function recordFinishes(pool: pg.Pool, owner: string, finishes: Finish[]): Promise<FinishesRecorded> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const done = await client.query<{ id: string; task_id: string; user_id: string; attempt: number; dry_run: boolean; trigger: string }>(
      `update executions x
          set status = v.status, output = v.output, error = v.error::jsonb, finished_at = to_timestamp(v.fin / 1000),
              prompt_tokens = v.pt, completion_tokens = v.ct, llm_calls = v.lc, tool_calls = v.tc, lease_until = null
         from unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::int[], $9::int[], $10::float8[])
              as v(id, epoch, status, output, error, pt, ct, lc, tc, fin)
        where x.id = v.id and x.owner = $11 and x.epoch = v.epoch and x.status = 'running'
        returning x.id::text as id, x.task_id::text as task_id, x.user_id::text as user_id, x.attempt, x.dry_run, x.trigger`,
      [
        finishes.map((f) => f.id),
        finishes.map((f) => f.epoch),
        finishes.map((f) => f.status),
        finishes.map((f) => f.output),
        finishes.map((f) => (f.error ? JSON.stringify(f.error) : null)),
        finishes.map((f) => f.usage.promptTokens),
        finishes.map((f) => f.usage.completionTokens),
        finishes.map((f) => f.usage.llmCalls),
        finishes.map((f) => f.usage.toolCalls),
        finishes.map((f) => f.finishedAt),
        owner,
      ],
    );
    const byId = new Map(finishes.map((f) => [f.id, f]));
    const retries = done.rows.filter((r) => byId.get(r.id)?.retryAt != null);
    if (retries.length) {
      await client.query(
        `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run)
         select v.task_id, v.user_id, 'queued', 'retry', v.attempt, to_timestamp(v.at / 1000), v.dry_run
           from unnest($1::bigint[], $2::bigint[], $3::int[], $4::float8[], $5::bool[]) as v(task_id, user_id, attempt, at, dry_run)
         on conflict (task_id, scheduled_for) do nothing`,
        [
          retries.map((r) => r.task_id),
          retries.map((r) => r.user_id),
          retries.map((r) => r.attempt + 1),
          retries.map((r) => byId.get(r.id)?.retryAt),
          retries.map((r) => r.dry_run),
        ],
      );
      await client.query('select pg_notify($1, $2)', [CHANNELS.work, '{"retry":true}']);
    }
    // One row per task (the latest finish wins); dry runs never move a task's status.
    const perTask = new Map<string, { fin: number; status: string; finalFailures: number; pause: string | null; lastError: string | null; userId: string }>();
    const successes = new Map<string, string>();
    for (const r of done.rows) {
      const f = byId.get(r.id) as Finish;
      if (r.dry_run) continue;
      if (f.status === 'succeeded') successes.set(r.task_id, r.id);
      const finalFailure = f.status !== 'succeeded' && f.retryAt == null ? 1 : 0;
      const prev = perTask.get(r.task_id);
      perTask.set(r.task_id, {
        fin: Math.max(prev?.fin ?? 0, f.finishedAt),
        status: f.status,
        finalFailures: (prev?.finalFailures ?? 0) + finalFailure,
        pause: f.pauseReason ?? prev?.pause ?? null,
        lastError: f.error?.message ?? prev?.lastError ?? null,
        userId: r.user_id,
      });
    }
    const touched: FinishedTask[] = [];
    if (perTask.size) {
      const ids = [...perTask.keys()];
      const v = ids.map((id) => perTask.get(id) as NonNullable<ReturnType<typeof perTask.get>>);
      const updated = await client.query<{ id: string; user_id: string; paused: boolean }>(
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
        [ids, v.map((x) => x.fin), v.map((x) => x.status), v.map((x) => x.finalFailures), v.map((x) => x.pause), v.map((x) => x.lastError)],
      );
      const paused = updated.rows.filter((r) => r.paused).map((r) => r.id);
      if (paused.length) await dropQueuedFires(client, paused, 'paused');
      for (const r of updated.rows) touched.push({ taskId: r.id, userId: r.user_id, paused: r.paused });
    }
    const dependents = successes.size ? await markSuccesses(client, successes) : [];
    await client.query('commit');
    return { tasks: touched, dependents };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Removes fires claimed but not started for tasks that were paused, deleted or rescheduled, and
 * tells every engine to forget them. Manual runs stay: the user asked for those explicitly.
 */
export async function dropQueuedFires(client: pg.ClientBase | pg.Pool, taskIds: string[], op: string): Promise<void> {
  await client.query(`delete from executions where task_id = any($1::bigint[]) and status in ('queued', 'waiting') and trigger <> 'manual'`, [taskIds]);
  for (const id of taskIds) await client.query('select pg_notify($1, $2)', [CHANNELS.tasks, JSON.stringify({ id, op })]);
}

/** Extends the leases of executions this replica holds; returns the ids it no longer holds. */
export async function renewLeases(pool: pg.Pool, owner: string, leaseMs: number, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>(
    `update executions set lease_until = now() + ${secs('$3')}
      where id = any($1::bigint[]) and owner = $2 and status in ('queued', 'running')
      returning id::text as id`,
    [ids, owner, leaseMs],
  );
  const held = new Set(rows.map((r) => r.id));
  return new Set(ids.filter((id) => !held.has(id)));
}

/** Gives back queued fires this replica claimed but will not start (shutdown): others take them at once. */
export async function releaseQueued(pool: pg.Pool, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await pool.query(
    `update executions set owner = null, lease_until = null
      where id = any($1::bigint[]) and owner = $2 and status = 'queued'`,
    [ids, owner],
  );
  await pool.query('select pg_notify($1, $2)', [CHANNELS.work, '{"released":true}']);
}

/**
 * Marks running executions whose lease expired (their replica died) `interrupted`, and queues a
 * retry for each that has attempts left. Any replica may run this; SKIP LOCKED keeps them apart.
 */
export async function sweepOrphans(pool: pg.Pool, retryDelayMs: number, limit = 500): Promise<{ interrupted: number; retried: number }> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const dead = await client.query<{ id: string; task_id: string; user_id: string; attempt: number; dry_run: boolean; max_attempts: number }>(
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
    const retry = dead.rows.filter((r) => r.attempt < r.max_attempts);
    if (retry.length) {
      await client.query(
        `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run)
         select v.task_id, v.user_id, 'queued', 'retry', v.attempt, now() + ${secs('$5')}, v.dry_run
           from unnest($1::bigint[], $2::bigint[], $3::int[], $4::bool[]) as v(task_id, user_id, attempt, dry_run)
         on conflict (task_id, scheduled_for) do nothing`,
        [retry.map((r) => r.task_id), retry.map((r) => r.user_id), retry.map((r) => r.attempt + 1), retry.map((r) => r.dry_run), retryDelayMs],
      );
      await client.query('select pg_notify($1, $2)', [CHANNELS.work, '{"retry":true}']);
    }
    if (dead.rows.length) {
      await client.query(
        `update tasks set last_status = 'interrupted', updated_at = now() where id = any($1::bigint[])`,
        [dead.rows.map((r) => r.task_id)],
      );
    }
    await client.query('commit');
    return { interrupted: dead.rows.length, retried: retry.length };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
