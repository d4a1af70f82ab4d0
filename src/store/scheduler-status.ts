import type pg from 'pg';

export interface InstanceRow {
  id: string;
  host: string;
  pid: number;
  mode: string;
  started_at: string;
  last_seen: string;
  running: number;
  queued: number;
  last_lag_ms: number | null;
}

/** Engine replicas that checked in within the last 30 s, oldest first. */
export async function liveInstances(db: pg.Pool | pg.ClientBase): Promise<InstanceRow[]> {
  const { rows } = await db.query<InstanceRow>(
    `select id, host, pid, mode, to_json(started_at) #>> '{}' as started_at, to_json(last_seen) #>> '{}' as last_seen, running, queued, last_lag_ms
       from scheduler_instances where last_seen > now() - interval '30 seconds' order by started_at`,
  );
  return rows;
}

/** Tasks due within a minute, running and queued executions, cluster-wide. */
export async function workCounts(db: pg.Pool | pg.ClientBase): Promise<{ due: number; running: number; queued: number }> {
  const { rows } = await db.query<{ due: number; running: number; queued: number }>(
    `select (select count(*) from tasks where enabled and next_run_at < now() + interval '1 minute')::int as due,
            (select count(*) from executions where status = 'running')::int as running,
            (select count(*) from executions where status = 'queued')::int as queued`,
  );
  return rows[0] ?? { due: 0, running: 0, queued: 0 };
}

/** Whether the database answers (readiness). */
export async function ping(db: pg.Pool | pg.ClientBase): Promise<void> {
  await db.query('select 1');
}
