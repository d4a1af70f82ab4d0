import type pg from 'pg';
import type { StoredSchedule } from '../models/task.ts';
import { type DueTask, type PlanOptions, planTask } from './plan.ts';

/** A fire this replica owns and will start at `scheduledFor`. */
export interface ClaimedFire {
  executionId: string;
  taskId: string;
  userId: string;
  scheduledFor: number;
  trigger: 'schedule' | 'catchup' | 'manual' | 'retry' | 'dependency';
  attempt: number;
  epoch: number;
  dryRun: boolean;
  overlap: 'skip' | 'allow';
  maxAttempts: number;
  /** The task had a running execution when claimed: check again before starting. */
  busyAtClaim: boolean;
  /** A system job's declared name (its run goes to its handler, not the LLM runner). */
  systemJob: string | null;
  /** A scheduled fire of a task with dependencies: it runs only if they succeeded (wait.ts). */
  gated: boolean;
}

export interface ClaimResult {
  fires: ClaimedFire[];
  /** Rows examined: a full batch means there may be more to claim. */
  examined: number;
  /** `missed` records written (recorded, not run). */
  missed: number;
  dbNow: number;
}

interface DueRow {
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

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

/**
 * Claims the tasks due within `windowMs` of the database's now: locks them (SKIP LOCKED splits
 * them between replicas), inserts one execution per fire under the unique (task_id,
 * scheduled_for) key — a second claim of an occurrence inserts nothing — and advances
 * next_run_at, all in one transaction. Set-based: one statement each, whatever the batch size.
 */
export async function claimDueTasks(
  pool: pg.Pool,
  opts: {
    owner: string;
    windowMs: number;
    leaseMs: number;
    limit: number;
    plan: PlanOptions;
    /** Insert the fires unowned (start-up sync): any replica then claims them as it has room. */
    unowned?: boolean;
  },
): Promise<ClaimResult> {
  const client = await pool.connect();
  try {
    await client.query('begin');
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
      [opts.windowMs, opts.limit],
    );
    if (rows.length === 0) {
      await client.query('commit');
      return { fires: [], examined: 0, missed: 0, dbNow: Date.now() };
    }
    const dbNow = (rows[0] as DueRow).db_now;
    const now = new Date(dbNow);
    const horizon = new Date(dbNow + opts.windowMs);

    const ins = { task: [] as string[], user: [] as string[], status: [] as string[], trigger: [] as string[], at: [] as string[], error: [] as (string | null)[] };
    const upd = { id: [] as string[], next: [] as (string | null)[] };
    const byTask = new Map<string, DueRow>();
    for (const r of rows) {
      byTask.set(r.id, r);
      const due: DueTask = {
        id: r.id,
        userId: r.user_id,
        schedule: r.schedule,
        timezone: r.timezone,
        nextRunAt: new Date(r.next_ms),
        startAt: r.start_ms === null ? null : new Date(r.start_ms),
        endAt: r.end_ms === null ? null : new Date(r.end_ms),
        misfirePolicy: r.misfire_policy,
        misfireGraceSeconds: r.misfire_grace_seconds,
      };
      const plan = planTask(due, now, horizon, opts.plan);
      for (const f of plan.fires) {
        ins.task.push(r.id);
        ins.user.push(r.user_id);
        ins.status.push(f.status);
        ins.trigger.push(f.trigger);
        ins.at.push(f.scheduledFor.toISOString());
        ins.error.push(f.error ? JSON.stringify(f.error) : null);
      }
      upd.id.push(r.id);
      upd.next.push(plan.nextRunAt ? plan.nextRunAt.toISOString() : null);
    }

    const inserted = ins.task.length
      ? await client.query<{ id: string; task_id: string; at_ms: number; status: string; trigger: ClaimedFire['trigger']; epoch: number }>(
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
          [ins.task, ins.user, ins.status, ins.trigger, ins.at, ins.error, opts.unowned ? null : opts.owner, opts.leaseMs],
        )
      : { rows: [] };
    await client.query(
      `update tasks t set next_run_at = v.next
         from unnest($1::bigint[], $2::timestamptz[]) as v(id, next)
        where t.id = v.id`,
      [upd.id, upd.next],
    );
    await client.query('commit');

    const fires: ClaimedFire[] = [];
    let missed = 0;
    for (const x of inserted.rows) {
      if (x.status !== 'queued') {
        missed++;
        continue;
      }
      if (opts.unowned) continue;
      const r = byTask.get(x.task_id) as DueRow;
      fires.push({
        executionId: x.id,
        taskId: x.task_id,
        userId: r.user_id,
        scheduledFor: x.at_ms,
        trigger: x.trigger,
        attempt: 1,
        epoch: x.epoch,
        dryRun: false,
        overlap: r.overlap,
        maxAttempts: r.max_attempts,
        busyAtClaim: r.busy,
        systemJob: r.system_name,
        gated: r.gated,
      });
    }
    return { fires, examined: rows.length, missed, dbNow };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Claims queued executions that nobody holds (manual runs, retries, fires released at shutdown)
 * or whose holder's lease expired before it started them (its process died): a new owner and a
 * bumped epoch, so the old holder, if it wakes up, can no longer record anything for them.
 * Scheduled fires whose instant passed are left to the misfire policy (misfires.ts).
 */
export async function claimQueued(
  pool: pg.Pool,
  opts: { owner: string; windowMs: number; leaseMs: number; limit: number; misfireAfterMs: number },
): Promise<ClaimedFire[]> {
  const { rows } = await pool.query<{
    id: string;
    task_id: string;
    user_id: string;
    at_ms: number;
    trigger: ClaimedFire['trigger'];
    attempt: number;
    epoch: number;
    dry_run: boolean;
    overlap: 'skip' | 'allow';
    max_attempts: number;
    busy: boolean;
    system_name: string | null;
    gated: boolean;
  }>(
    `with picked as (
       select x.id from executions x
        where x.status = 'queued'
          and x.scheduled_for < now() + make_interval(secs => $2::float8 / 1000)
          and (x.owner is null or x.lease_until < now())
          -- a scheduled fire let go past its instant is a misfire: resolveStaleFires decides it first
          and not (x.trigger = 'schedule' and x.satisfied_by is null and x.scheduled_for < now() - make_interval(secs => $5::float8 / 1000))
        order by x.scheduled_for
        limit $4
          for update skip locked
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
    [opts.owner, opts.windowMs, opts.leaseMs, opts.limit, opts.misfireAfterMs],
  );
  return rows.map((x) => ({
    executionId: x.id,
    taskId: x.task_id,
    userId: x.user_id,
    scheduledFor: x.at_ms,
    trigger: x.trigger,
    attempt: x.attempt,
    epoch: x.epoch,
    dryRun: x.dry_run,
    overlap: x.overlap,
    maxAttempts: x.max_attempts,
    busyAtClaim: x.busy,
    systemJob: x.system_name,
    gated: x.gated,
  }));
}

/**
 * The work in the look-ahead window, for sharing a burst between replicas: tasks due in it (not
 * claimed yet) plus queued fires in it, whoever holds them. Both are index range scans.
 */
export async function countWindowWork(pool: pg.Pool, windowMs: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select ((select count(*) from (select 1 from tasks t where t.enabled and t.next_run_at < now() + make_interval(secs => $1::float8 / 1000) limit 1000000) d)
           + (select count(*) from executions x where x.status = 'queued' and x.scheduled_for < now() + make_interval(secs => $1::float8 / 1000)))::int as n`,
    [windowMs],
  );
  return rows[0]?.n ?? 0;
}
