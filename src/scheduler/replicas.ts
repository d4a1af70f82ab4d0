import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';

// Replica liveness: every engine heartbeats its row in scheduler_instances; a row not refreshed for
// `deadAfterMs` (the database's clock, as leases are) belongs to a dead replica, and whichever live
// replica notices first takes over what it held. The takeover changes owner, status or epoch of
// every execution it touches, so a replica that was only paused cannot record over it when it wakes.

export interface Beat {
  id: string;
  host: string;
  pid: number;
  mode: string;
  concurrency: number;
  running: number;
  queued: number;
  lastLagMs: number | null;
}

/** A live replica as the heartbeat table shows it. */
export interface Replica {
  id: string;
  /** Runner slots it had free at its last heartbeat. */
  free: number;
}

export interface BeatResult {
  /** The row was missing: another replica had declared this one dead (it was paused or cut off). */
  revived: boolean;
  /** Every replica alive by its heartbeat, this one included. */
  live: Replica[];
}

/** Refreshes this replica's row and reads which replicas are alive. */
export async function beat(pool: pg.Pool, b: Beat, deadAfterMs: number): Promise<BeatResult> {
  const { rows } = await pool.query<{ id: string; free: number; revived: boolean | null }>(
    `with me as (
       insert into scheduler_instances (id, host, pid, mode, concurrency, running, queued, last_lag_ms) values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (id) do update set last_seen = now(), concurrency = excluded.concurrency, running = excluded.running,
                                      queued = excluded.queued, last_lag_ms = excluded.last_lag_ms
       returning (xmax = 0) as inserted
     )
     select $1::text as id, greatest($5::int - $6::int, 0) as free, (select inserted from me) as revived
     union all
     select id, greatest(concurrency - running, 0), null from scheduler_instances
      where id <> $1 and last_seen >= now() - make_interval(secs => $9::float8 / 1000)`,
    [b.id, b.host, b.pid, b.mode, b.concurrency, b.running, b.queued, b.lastLagMs, deadAfterMs],
  );
  return { revived: rows[0]?.revived === true, live: rows.map((r) => ({ id: r.id, free: r.free })) };
}

/** Same-host replicas, for the start-up check of which of them are gone processes. */
export async function sameHostReplicas(pool: pg.Pool, self: string, host: string): Promise<Array<{ id: string; pid: number }>> {
  const { rows } = await pool.query<{ id: string; pid: number }>(`select id, pid from scheduler_instances where host = $1 and id <> $2`, [host, self]);
  return rows;
}

export interface Takeover {
  replicas: string[];
  /** Runs of the dead replicas marked `interrupted` (each retried at once when attempts remain). */
  interrupted: number;
  retried: number;
  /** Fires they had claimed and not started, handed back to the pool. */
  released: number;
}

/**
 * Declares dead every replica whose heartbeat is older than `deadAfterMs`, plus `gone` (replicas of
 * this host whose process no longer exists), and takes over what they held in one transaction: their
 * runs become `interrupted` with an immediate retry, their unstarted fires go back to the pool
 * (claimed again with a bumped epoch; past their instant they meet the misfire policy).
 */
export async function takeOverDead(pool: pg.Pool, opts: { self: string; deadAfterMs: number; gone?: string[] }): Promise<Takeover> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const dead = await client.query<{ id: string }>(
      `delete from scheduler_instances where id in (
         select id from scheduler_instances
          where id <> $1 and (last_seen < now() - make_interval(secs => $2::float8 / 1000) or id = any($3::text[]))
            for update skip locked)
       returning id`,
      [opts.self, opts.deadAfterMs, opts.gone ?? []],
    );
    const replicas = dead.rows.map((r) => r.id);
    if (!replicas.length) {
      await client.query('commit');
      return { replicas, interrupted: 0, retried: 0, released: 0 };
    }
    const runs = await client.query<{ id: string; task_id: string; user_id: string; attempt: number; dry_run: boolean; max_attempts: number }>(
      `update executions x
          set status = 'interrupted', finished_at = now(), lease_until = null,
              error = '{"type":"interrupted","message":"the scheduler running this execution stopped heartbeating before it finished (replica dead)"}'::jsonb
         from tasks t
        where x.owner = any($1::text[]) and x.status = 'running' and t.id = x.task_id
        returning x.id::text as id, x.task_id::text as task_id, x.user_id::text as user_id, x.attempt, x.dry_run, t.max_attempts`,
      [replicas],
    );
    const retry = runs.rows.filter((r) => r.attempt < r.max_attempts);
    if (retry.length) {
      await client.query(
        `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run)
         select v.task_id, v.user_id, 'queued', 'retry', v.attempt, clock_timestamp(), v.dry_run
           from unnest($1::bigint[], $2::bigint[], $3::int[], $4::bool[]) as v(task_id, user_id, attempt, dry_run)
         on conflict (task_id, scheduled_for) do nothing`,
        [retry.map((r) => r.task_id), retry.map((r) => r.user_id), retry.map((r) => r.attempt + 1), retry.map((r) => r.dry_run)],
      );
    }
    if (runs.rows.length) {
      await client.query(`update tasks set last_status = 'interrupted', updated_at = now() where id = any($1::bigint[])`, [runs.rows.map((r) => r.task_id)]);
    }
    const released = await client.query(`update executions set owner = null, lease_until = null where owner = any($1::text[]) and status = 'queued'`, [replicas]);
    await client.query('select pg_notify($1, $2)', [CHANNELS.work, '{"takeover":true}']);
    await client.query('commit');
    return { replicas, interrupted: runs.rows.length, retried: retry.length, released: released.rowCount ?? 0 };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Whether a process of this host still exists (EPERM: it exists, owned by someone else). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
