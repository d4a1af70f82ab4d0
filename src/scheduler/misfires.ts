import type pg from 'pg';

export interface StaleResult {
  /** Fires recorded `missed` instead of run late. */
  missed: number;
  /** Fires kept as the one `catchup` of their task (run_once, within the grace period). */
  kept: number;
  /** Rows examined: a full batch means there may be more. */
  examined: number;
}

/**
 * Scheduled fires that were claimed ahead and then let go — released at shutdown, or left behind
 * by a replica that died — and whose instant passed meanwhile are misfires like any other: they go
 * through their task's policy instead of running late. Per task, under `run_once` the latest one
 * becomes the task's single `catchup` (if it is within the grace period and no later misfire of the
 * task is pending) and the rest are recorded `missed`; under `skip` every one is recorded `missed`.
 * Fires someone holds (an unexpired lease) are left alone; the task row is locked too, so two
 * replicas never coalesce one task's misfires each their own way.
 */
export async function resolveStaleFires(pool: pg.Pool | pg.ClientBase, opts: { misfireAfterMs: number; limit: number }): Promise<StaleResult> {
  const { rows } = await pool.query<{ kept: boolean }>(
    `with locked as (
       select x.id, x.task_id, x.scheduled_for, t.misfire_policy, t.misfire_grace_seconds
         from executions x join tasks t on t.id = x.task_id
        where x.status = 'queued' and x.trigger in ('schedule', 'catchup')
          -- a fire released by its dependencies (wait.ts) is late by design, not a misfire
          and x.satisfied_by is null
          and x.scheduled_for < now() - make_interval(secs => $1::float8 / 1000)
          and (x.owner is null or x.lease_until < now())
        order by x.scheduled_for
        limit $2
          for no key update of x, t skip locked
     ), ranked as (
       select l.*, row_number() over (partition by l.task_id order by l.scheduled_for desc) as rn
         from locked l
     ), decided as (
       select r.id, r.scheduled_for, r.misfire_policy, r.misfire_grace_seconds,
              (r.rn = 1 and r.misfire_policy = 'run_once'
                and now() - r.scheduled_for <= make_interval(secs => r.misfire_grace_seconds)
                -- a later misfire of the task (held by a replica, or beyond this batch) is the one to run
                and not exists (select 1 from executions y
                                 where y.task_id = r.task_id and y.status = 'queued' and y.trigger in ('schedule', 'catchup')
                                   and y.scheduled_for > r.scheduled_for
                                   and y.scheduled_for < now() - make_interval(secs => $1::float8 / 1000))) as keep
         from ranked r
     )
     update executions x
        set trigger = case when d.keep then 'catchup' else x.trigger end,
            status = case when d.keep then 'queued' else 'missed' end,
            finished_at = case when d.keep then null else now() end,
            owner = case when d.keep then x.owner end,
            lease_until = case when d.keep then x.lease_until end,
            error = case when d.keep then x.error else jsonb_build_object(
              'type', 'missed',
              'message', format('missed %s: the scheduler that claimed this fire stopped before starting it; not run because %s',
                                to_json(d.scheduled_for) #>> '{}',
                                case when d.misfire_policy = 'skip' then 'the misfire policy is skip'
                                     when now() - d.scheduled_for > make_interval(secs => d.misfire_grace_seconds)
                                       then format('missed by more than the %s s grace period', d.misfire_grace_seconds)
                                     else 'a later missed fire of the task runs as its one catch-up' end)) end
       from decided d
      where x.id = d.id
      returning d.keep as kept`,
    [opts.misfireAfterMs, opts.limit],
  );
  const kept = rows.filter((r) => r.kept).length;
  return { missed: rows.length - kept, kept, examined: rows.length };
}
