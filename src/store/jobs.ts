import type pg from 'pg';
import { isRowId } from '../models/ranges.ts';
import type { StoredSchedule } from '../models/task.ts';
import { ms } from './columns.ts';

// The admin's view of everything scheduled: system jobs first (a handful), then every user's
// tasks newest first. Plain SQL on index-friendly shapes: the partial unique index on
// system_name for the first, the primary key (backwards) for the second.

export type JobService = 'system' | 'tasks';

export interface JobRow {
  id: string;
  user_id: string;
  kind: 'user' | 'system';
  name: string;
  description: string | null;
  schedule: StoredSchedule | null;
  timezone: string;
  enabled: boolean;
  orphaned: boolean;
  paused_reason: string | null;
  next_ms: number | null;
  last_ms: number | null;
  last_status: string | null;
}

const COLUMNS = `t.id::text as id, t.user_id::text as user_id, t.kind, coalesce(t.system_name, t.name) as name, t.description, t.schedule,
  t.timezone, t.enabled, t.orphaned, t.paused_reason, ${ms('t.next_run_at')} as next_ms, ${ms('t.last_run_at')} as last_ms, t.last_status`;

const WHERE: Record<JobService, string> = { system: 't.system_name is not null', tasks: "t.kind = 'user'" };

export const serviceOf = (row: Pick<JobRow, 'kind'>): JobService => (row.kind === 'system' ? 'system' : 'tasks');

/** One page in listing order, plus one row more when there is a next page. */
export async function listJobs(pool: pg.Pool, q: { service?: JobService; cursor?: { service: JobService; id: string }; limit: number }): Promise<JobRow[]> {
  const order: JobService[] = q.service ? [q.service] : ['system', 'tasks'];
  // A cursor in the second service skips the first entirely.
  const from = q.cursor ? order.indexOf(q.cursor.service) : 0;
  const out: JobRow[] = [];
  for (const service of order.slice(Math.max(0, from))) {
    const after = q.cursor?.service === service ? q.cursor.id : null;
    const { rows } = await pool.query<JobRow>(
      `select ${COLUMNS} from tasks t where ${WHERE[service]} and ($1::bigint is null or t.id < $1) order by t.id desc limit $2`,
      [after, q.limit + 1 - out.length],
    );
    out.push(...rows);
    if (out.length > q.limit) break;
  }
  return out;
}

/** One system job or user task by service and id, or null. */
export async function findJob(pool: pg.Pool, service: JobService, id: string): Promise<JobRow | null> {
  if (!isRowId(id)) return null;
  const { rows } = await pool.query<JobRow>(`select ${COLUMNS} from tasks t where t.id = $1 and ${WHERE[service]}`, [id]);
  return rows[0] ?? null;
}

/** Deletes an orphaned system job (its history goes with it, on delete cascade). */
export async function deleteOrphanedJob(pool: pg.Pool | pg.ClientBase, id: string): Promise<void> {
  await pool.query(`delete from tasks where id = $1 and kind = 'system' and orphaned`, [id]);
}
