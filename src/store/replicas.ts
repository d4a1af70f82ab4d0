import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';
import type { InterruptedRun } from './executions.ts';

// scheduler_instances (one heartbeat row per engine replica) and the statements of a takeover.
// Every age is measured by the database's clock, never a replica's.

const secs = (p: string) => `make_interval(secs => ${p}::float8 / 1000)`;

export interface BeatRow {
  id: string;
  host: string;
  pid: number;
  mode: string;
  concurrency: number;
  running: number;
  queued: number;
  lastLagMs: number | null;
}

/** Upserts this replica's row and lists the live ones (this one first); `revived`: its row was missing. */
export async function upsertHeartbeat(
  db: pg.ClientBase | pg.Pool,
  b: BeatRow,
  deadAfterMs: number,
): Promise<Array<{ id: string; free: number; revived: boolean | null }>> {
  const { rows } = await db.query<{ id: string; free: number; revived: boolean | null }>(
    `with me as (
       insert into scheduler_instances (id, host, pid, mode, concurrency, running, queued, last_lag_ms) values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (id) do update set last_seen = now(), concurrency = excluded.concurrency, running = excluded.running,
                                      queued = excluded.queued, last_lag_ms = excluded.last_lag_ms
       returning (xmax = 0) as inserted
     )
     select $1::text as id, greatest($5::int - $6::int, 0) as free, (select inserted from me) as revived
     union all
     select id, greatest(concurrency - running, 0), null from scheduler_instances
      where id <> $1 and last_seen >= now() - ${secs('$9')}`,
    [b.id, b.host, b.pid, b.mode, b.concurrency, b.running, b.queued, b.lastLagMs, deadAfterMs],
  );
  return rows;
}

/** Other replicas registered from this host, with their process ids. */
export async function selectSameHostReplicas(db: pg.ClientBase | pg.Pool, self: string, host: string): Promise<Array<{ id: string; pid: number }>> {
  const { rows } = await db.query<{ id: string; pid: number }>(`select id, pid from scheduler_instances where host = $1 and id <> $2`, [host, self]);
  return rows;
}

/** Removes this replica's row (clean shutdown). */
export async function deleteHeartbeat(db: pg.ClientBase | pg.Pool, id: string): Promise<void> {
  await db.query('delete from scheduler_instances where id = $1', [id]);
}

/**
 * Locks the rows of replicas whose heartbeat is older than `deadAfterMs` (plus `gone`), skipping
 * rows a heartbeat or a fence check is writing right now: that replica is alive.
 */
export async function lockDeadReplicas(client: pg.ClientBase, self: string, deadAfterMs: number, gone: string[]): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `select id from scheduler_instances
      where id <> $1 and (last_seen < now() - ${secs('$2')} or id = any($3::text[]))
        for update skip locked`,
    [self, deadAfterMs, gone],
  );
  return rows.map((r) => r.id);
}

export async function deleteReplicas(client: pg.ClientBase, ids: string[]): Promise<void> {
  await client.query('delete from scheduler_instances where id = any($1::text[])', [ids]);
}

/**
 * Marks `interrupted` the running executions of dead replicas whose lease was last refreshed more
 * than `deadAfterMs` ago (every refresh sets lease_until to now() + `leaseMs`), or all of them
 * for `gone` owners (their process is known not to exist). A run whose fence (fenceRun) or lease
 * renewal went through within the dead threshold is left alone: its replica is slow, not dead,
 * and may be about to send a request it proved it owns. Returns them with their task's max_attempts.
 */
export async function interruptRunsOf(
  client: pg.ClientBase,
  owners: string[],
  opts: { leaseMs: number; deadAfterMs: number; gone: string[] },
): Promise<InterruptedRun[]> {
  const { rows } = await client.query<InterruptedRun>(
    `update executions x
        set status = 'interrupted', finished_at = now(), lease_until = null,
            error = '{"type":"interrupted","message":"the scheduler running this execution stopped heartbeating before it finished (replica dead)"}'::jsonb
       from tasks t
      where x.owner = any($1::text[]) and x.status = 'running' and t.id = x.task_id
        and (x.owner = any($4::text[]) or x.lease_until is null
             or x.lease_until < now() + ${secs('$2')} - ${secs('$3')})
      returning x.id::text as id, x.task_id::text as task_id, x.user_id::text as user_id, x.attempt, x.dry_run, t.max_attempts`,
    [owners, opts.leaseMs, opts.deadAfterMs, opts.gone],
  );
  return rows;
}

/** Of `owners`, those that still have running executions (left for a later takeover pass). */
export async function ownersStillRunning(client: pg.ClientBase, owners: string[]): Promise<string[]> {
  const { rows } = await client.query<{ owner: string }>(
    `select distinct owner from executions where owner = any($1::text[]) and status = 'running'`,
    [owners],
  );
  return rows.map((r) => r.owner);
}

/** Queues one immediate retry per interrupted run (attempt already incremented by the caller). */
export async function insertImmediateRetries(
  client: pg.ClientBase,
  runs: Array<{ taskId: string; userId: string; attempt: number; dryRun: boolean }>,
): Promise<void> {
  if (!runs.length) return;
  await client.query(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run)
     select v.task_id, v.user_id, 'queued', 'retry', v.attempt, clock_timestamp(), v.dry_run
       from unnest($1::bigint[], $2::bigint[], $3::int[], $4::bool[]) as v(task_id, user_id, attempt, dry_run)
     on conflict (task_id, scheduled_for) do nothing`,
    [runs.map((r) => r.taskId), runs.map((r) => r.userId), runs.map((r) => r.attempt), runs.map((r) => r.dryRun)],
  );
}

export async function markTasksInterrupted(client: pg.ClientBase, taskIds: string[]): Promise<void> {
  if (!taskIds.length) return;
  await client.query(`update tasks set last_status = 'interrupted', updated_at = now() where id = any($1::bigint[])`, [taskIds]);
}

/** Hands the queued fires of dead replicas back to the pool; returns how many. */
export async function releaseQueuedOf(client: pg.ClientBase, owners: string[]): Promise<number> {
  const r = await client.query(`update executions set owner = null, lease_until = null where owner = any($1::text[]) and status = 'queued'`, [owners]);
  return r.rowCount ?? 0;
}

export async function notifyWork(db: pg.ClientBase | pg.Pool, payload: string): Promise<void> {
  await db.query('select pg_notify($1, $2)', [CHANNELS.work, payload]);
}

/**
 * The fence a runner passes before anything leaves the process (an LLM request): true only if
 * the execution is still this replica's running one at this epoch. Passing it refreshes the run's
 * lease, and a takeover spares a run whose lease was refreshed within the dead threshold
 * (interruptRunsOf), so after a true answer the run cannot be taken for that long (the
 * database's clock): the request goes out before anyone can retry the run elsewhere.
 */
export async function fenceRun(db: pg.ClientBase | pg.Pool, run: { id: string; owner: string; epoch: number; leaseMs: number }): Promise<boolean> {
  const { rowCount } = await db.query(
    `update executions set lease_until = now() + ${secs('$4')}
      where id = $1 and owner = $2 and epoch = $3 and status = 'running'`,
    [run.id, run.owner, run.epoch, run.leaseMs],
  );
  return rowCount === 1;
}
