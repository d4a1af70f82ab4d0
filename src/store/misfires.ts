import type pg from 'pg';

/**
 * Applies the misfire policy to queued scheduled fires let go past their instant (see
 * src/scheduler/misfires.ts): per row, whether it was kept as its task's one `catchup`, and whether it
 * was one of the scheduled fires the pass was driven by (at most `limit`; fewer means none is left).
 */
export async function settleStaleFires(db: pg.Pool | pg.ClientBase, opts: { misfireAfterMs: number; limit: number }): Promise<Array<{ kept: boolean; driving: boolean }>> {
  const { rows } = await db.query<{ kept: boolean; driving: boolean }>(
    `with driving as (
       -- Scheduled fires let go past their instant: each pass turns the ones it takes into a catchup
       -- or missed, so a pass never sees them again and a backlog of catch-ups (decided already,
       -- start-up sync makes them) is not re-read on every claim round.
       select x.task_id from executions x
        where x.status = 'queued' and x.trigger = 'schedule'
          -- a fire released by its dependencies (wait.ts) is late by design, not a misfire
          and x.satisfied_by is null
          and x.scheduled_for < now() - make_interval(secs => $1::float8 / 1000)
          and (x.owner is null or x.lease_until < now())
        order by x.scheduled_for
        limit $2
          for no key update skip locked
     ), locked as (
       -- With the task's earlier catch-ups, so that under run_once they all coalesce into one.
       select x.id, x.task_id, x.trigger, x.scheduled_for, t.misfire_policy, t.misfire_grace_seconds
         from executions x join tasks t on t.id = x.task_id
        where x.task_id in (select task_id from driving)
          and x.status = 'queued' and x.trigger in ('schedule', 'catchup')
          and x.satisfied_by is null
          and x.scheduled_for < now() - make_interval(secs => $1::float8 / 1000)
          and (x.owner is null or x.lease_until < now())
          for no key update of x, t skip locked
     ), ranked as (
       select l.*, row_number() over (partition by l.task_id order by l.scheduled_for desc) as rn
         from locked l
     ), decided as (
       select r.id, r.trigger, r.scheduled_for, r.misfire_policy, r.misfire_grace_seconds,
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
        -- A catch-up coalesced into a later one is a missed scheduled fire like the others: each
        -- downtime leaves one catchup per task on record, the one that ran.
        set trigger = case when d.keep then 'catchup' else 'schedule' end,
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
      returning d.keep as kept, d.trigger = 'schedule' as driving`,
    [opts.misfireAfterMs, opts.limit],
  );
  return rows;
}
