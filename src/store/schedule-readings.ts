import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ScheduleSpec } from '../scheduler/schedule.ts';

/** How long a preview's reading can be confirmed: long enough to read and decide, short enough that "in 10 minutes" still means what was shown. */
export const READING_TTL_SECONDS = 3600;

export interface Reading {
  id: string;
  text: string;
  spec: ScheduleSpec;
  task: { name: string; prompt: string; tools?: string[] } | null;
  source: 'rules' | 'llm';
  /** "until June", "3 times": the startAt/endAt the preview showed (ISO instants). */
  bounds?: { startAt?: string; endAt?: string; count?: number } | null;
  expiresAt: Date;
}

/**
 * Keeps what a preview read and returns its id. Expired readings are removed here, a bounded batch
 * at a time: previews are what create them, so previews keep the table small without a system job.
 */
export async function saveReading(db: pg.Pool | pg.ClientBase, userId: string, r: Omit<Reading, 'id' | 'expiresAt'>, now: Date): Promise<Reading> {
  const reading: Reading = { ...r, id: randomUUID(), expiresAt: new Date(now.getTime() + READING_TTL_SECONDS * 1000) };
  await db.query(
    `with gone as (
       delete from schedule_readings where id in (select id from schedule_readings where expires_at < $7 limit 100)
     )
     insert into schedule_readings (id, user_id, text, schedule, task, source, created_at, expires_at, bounds)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [reading.id, userId, r.text, JSON.stringify(r.spec), r.task ? JSON.stringify(r.task) : null, r.source, now, reading.expiresAt, r.bounds ? JSON.stringify(r.bounds) : null],
  );
  return reading;
}

/** The user's reading under `id`, expired or not (the caller tells the two apart); null when there is none. */
export async function findReading(db: pg.Pool | pg.ClientBase, userId: string, id: string): Promise<Reading | null> {
  const { rows } = await db.query<{ id: string; text: string; schedule: ScheduleSpec; task: Reading['task']; source: Reading['source']; expires_at: Date | string; bounds: Reading['bounds'] }>(
    'select id, text, schedule, task, source, expires_at, bounds from schedule_readings where id = $1 and user_id = $2',
    [id, userId],
  );
  const row = rows[0];
  return row ? { id: row.id, text: row.text, spec: row.schedule, task: row.task, source: row.source, bounds: row.bounds ?? null, expiresAt: new Date(row.expires_at) } : null;
}
