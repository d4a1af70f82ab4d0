import type pg from 'pg';
import type { StoredSchedule } from '../models/task.ts';

// Claiming fires: the due tasks locked and planned (src/scheduler/claim.ts decides the fires), the
// fires inserted under the unique (task_id, scheduled_for) key, queued executions re-claimed with a
// bumped epoch, and the counts the engine's sharing and wake-up read.

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

export interface DueRow {
  id: string;
  user_id: string;
  schedule: StoredSchedule;
  timezone: string;
  next_ms: number;
  start_ms: number | null;
  end_ms: number | null;
  misfire_policy: 'run_once' | 'skip';
  misfire_grace_seconds: number;
  overlap: 'skip' | 'allow';
  max_attempts: number;
  busy: boolean;
  system_name: string | null;
  gated: boolean;
  db_now: number;
}

/** Locks up to `limit` enabled tasks due within `windowMs` of now(), SKIP LOCKED (in a transaction). */
export async function lockDueTasks(client: pg.ClientBase, windowMs: number, limit: number): Promise<DueRow[]> {
  const { rows } = await client.query<DueRow>(
      `select t.id::text as id, t.user_id::text as user_id, t.schedule, t.timezone,
              ${ms('t.next_run_at')} as next_ms, ${ms('t.start_at')} as start_ms, ${ms('t.end_at')} as end_ms,
              t.misfire_policy, t.misfire_grace_seconds, t.overlap, t.max_attempts,
              exists (select 1 from executions e where e.task_id = t.id and e.status = 'running') as busy,
              t.system_name, t.has_dependencies as gated,
              ${ms('now()')} as db_now
         from tasks t
        where t.enabled and t.next_run_at < now() + make_interval(secs => $1::float8 / 1000)
        order by t.next_run_at
        limit $2
          for update of t skip locked`,
      [windowMs, limit],
  );
  return rows;
}

export interface FireInsert {
  task: string[];
  user: string[];
  status: string[];
  trigger: string[];
  at: string[];
  error: (string | null)[];
}

export interface InsertedFire {
  id: string;
  task_id: string;
  at_ms: number;
  status: string;
  trigger: 'schedule' | 'catchup' | 'manual' | 'retry' | 'dependency';
  epoch: number;
}

/** Inserts planned fires (queued ones owned by `owner` with a lease, or unowned); a fire that exists already is skipped. */
export async function insertFires(client: pg.ClientBase, ins: FireInsert, owner: string | null, leaseMs: number): Promise<InsertedFire[]> {
  if (!ins.task.length) return [];
  const { rows } = await client.query<InsertedFire>(
    `insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, owner, lease_until, finished_at, error)
         select v.task_id, v.user_id, v.status, v.trigger, 1, v.at,
                case when v.status = 'queued' then $7::text end,
                case when v.status = 'queued' and $7::text is not null then now() + make_interval(secs => $8::float8 / 1000) end,
                case when v.status = 'missed' then now() end,
                v.error::jsonb
           from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
                as v(task_id, user_id, status, trigger, at, error)
         on conflict (task_id, scheduled_for) do nothing
         returning id::text as id, task_id::text as task_id, ${ms('scheduled_for')} as at_ms, status, trigger, epoch`,
    [ins.task, ins.user, ins.status, ins.trigger, ins.at, ins.error, owner, leaseMs],
  );
  return rows;
}

export async function advanceNextRuns(client: pg.ClientBase, ids: string[], next: (string | null)[]): Promise<void> {
  await client.query(
      `update tasks t set next_run_at = v.next
         from unnest($1::bigint[], $2::timestamptz[]) as v(id, next)
        where t.id = v.id`,
    [ids, next],
  );
}

export interface QueuedClaimRow {
  id: string;
  task_id: string;
  user_id: string;
  at_ms: number;
  trigger: InsertedFire['trigger'];
  attempt: number;
  epoch: number;
  dry_run: boolean;
  overlap: 'skip' | 'allow';
  max_attempts: number;
  busy: boolean;
  system_name: string | null;
  gated: boolean;
}

/**
 * Claims queued executions nobody holds and, with `expired`, those whose holder's lease ran out,
 * bumping their epoch. The unheld ones come from their own index (executions_unclaimed); finding
 * the expired ones means walking every open execution, so only the rounds that can find some ask
 * for them (the poll, a release, a takeover: the `settle` rounds).
 */
export async function claimQueuedRows(
  db: pg.Pool | pg.ClientBase,
  opts: { owner: string; windowMs: number; leaseMs: number; limit: number; misfireAfterMs: number; expired: boolean },
): Promise<QueuedClaimRow[]> {
  // One scan for each kind, the same but for whose they are and how many are wanted.
  const queued = (held: string, limit: string) => `
       select x.id from executions x
        where x.status = 'queued' and ${held}
          and x.scheduled_for < now() + make_interval(secs => $2::float8 / 1000)
          -- a scheduled fire let go past its instant is a misfire: resolveStaleFires decides it first
          and not (x.trigger = 'schedule' and x.satisfied_by is null and x.scheduled_for < now() - make_interval(secs => $5::float8 / 1000))
        order by x.scheduled_for
        limit ${limit}
          for update skip locked`;
  const { rows } = await db.query<QueuedClaimRow>(
    `with unheld as (${queued('x.owner is null', '$4')}
     ), expired as (${queued('$6::bool and x.owner is not null and x.lease_until < now()', 'greatest(0, $4 - (select count(*) from unheld))')}
     ), picked as (
       select id from unheld union all select id from expired
     )
     update executions x
        set owner = $1, lease_until = now() + make_interval(secs => $3::float8 / 1000), epoch = x.epoch + 1
       from picked, tasks t
      where x.id = picked.id and t.id = x.task_id
      returning x.id::text as id, x.task_id::text as task_id, x.user_id::text as user_id, ${ms('x.scheduled_for')} as at_ms,
                x.trigger, x.attempt, x.epoch, x.dry_run, t.overlap, t.max_attempts,
                exists (select 1 from executions e where e.task_id = x.task_id and e.status = 'running') as busy,
                t.system_name,
                -- a scheduled fire re-claimed from a dead owner before its dependencies were checked
                (x.trigger in ('schedule', 'catchup') and x.satisfied_by is null and t.has_dependencies) as gated`,
    [opts.owner, opts.windowMs, opts.leaseMs, opts.limit, opts.misfireAfterMs, opts.expired],
  );
  return rows;
}

/** Tasks due in the window (not claimed yet) plus queued fires in it, whoever holds them. Both are index range scans. */
export async function countWindowWork(db: pg.Pool | pg.ClientBase, windowMs: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select ((select count(*) from (select 1 from tasks t where t.enabled and t.next_run_at < now() + make_interval(secs => $1::float8 / 1000) limit 1000000) d)
           + (select count(*) from executions x where x.status = 'queued' and x.scheduled_for < now() + make_interval(secs => $1::float8 / 1000)))::int as n`,
    [windowMs],
  );
  return rows[0]?.n ?? 0;
}

/** The earliest next_run_at of an enabled task (one probe of tasks_due), in ms; null when none. */
export async function earliestNextRunMs(db: pg.Pool | pg.ClientBase): Promise<number | null> {
  const { rows } = await db.query<{ ms: number | null }>(
    `select ${ms('min(t.next_run_at)')} as ms from tasks t where t.enabled and t.next_run_at is not null`,
  );
  return rows[0]?.ms ?? null;
}

/** Whether the task has a running execution (on any replica). */
export async function taskIsRunning(db: pg.Pool | pg.ClientBase, taskId: string): Promise<boolean> {
  const { rows } = await db.query<{ busy: boolean }>(`select exists (select 1 from executions where task_id = $1 and status = 'running') as busy`, [taskId]);
  return rows[0]?.busy === true;
}

/** The database's clock_timestamp() in ms (the engine measures its offset from it). */
export async function databaseClockMs(db: pg.Pool | pg.ClientBase): Promise<number> {
  const { rows } = await db.query<{ now: number }>('select (extract(epoch from clock_timestamp()) * 1000)::float8 as now');
  return (rows[0] as { now: number }).now;
}
