// Statements on notifications (the in-app inbox the notify tool writes and the API reads), and the
// record of a notification's webhook delivery.
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { Notification } from '../models/notification.ts';
import { columnsOf, insertMany, rowMapper } from './columns.ts';

const RETURNING = columnsOf(Notification, { omit: ['userId', 'taskId', 'executionId', 'title', 'body', 'readAt'] });
const notificationOf = rowMapper<{ id: string; createdAt: Date }>(Notification);

/** The body of the task's latest notification, or null when it has sent none. */
export async function lastNotificationBody(db: pg.Pool | pg.ClientBase, taskId: string): Promise<string | null> {
  const { rows } = await db.query<{ body: string }>('select body from notifications where task_id = $1 order by id desc limit 1', [taskId]);
  return rows[0]?.body ?? null;
}

export interface NewNotification {
  userId: string;
  taskId: string;
  executionId: string;
  title: string;
  body: string;
  createdAt: Date;
}

/** Stores a notification; returns its id and stored creation time. */
export async function insertNotification(db: pg.Pool | pg.ClientBase, n: NewNotification): Promise<{ id: string; createdAt: Date }> {
  const { text, values } = insertMany(Notification, [{ ...n }], { now: n.createdAt, returning: RETURNING });
  const { rows } = await db.query(text, values);
  return notificationOf(rows[0]);
}

/** How much of a run's output a result notification carries. */
export const RESULT_EXCERPT_CHARS = 500;

/**
 * Writes the result notification of each finished execution (succeeded or failed, not a dry run)
 * whose task has notify_result on: its title says how the run went, its body holds the start of
 * the output or the failure reason. One statement for the whole batch; returns how many it wrote.
 * The excerpt and title are read from the stored rows, so they are the same text the run page shows.
 */
export async function insertResultNotifications(db: pg.Pool | pg.ClientBase, executionIds: readonly string[], now: Date): Promise<number> {
  if (executionIds.length === 0) return 0;
  const { rowCount } = await db.query({
    name: 'insert-result-notifications',
    text: `insert into notifications (user_id, task_id, execution_id, title, body, created_at)
           select t.user_id, t.id, e.id,
                  left(t.name, 180) || case e.status when 'succeeded' then ': done' else ': failed' end,
                  case when e.status = 'succeeded'
                       then coalesce(nullif(rtrim(left(btrim(e.output), $2)) || case when char_length(btrim(e.output)) > $2 then '…' else '' end, ''), 'Finished with no output.')
                       else coalesce(nullif(e.error->>'message', ''), 'The run failed.') end,
                  $3
             from executions e join tasks t on t.id = e.task_id
            where e.id = any($1::bigint[]) and t.notify_result and not e.dry_run and e.status in ('succeeded', 'failed')`,
    values: [executionIds, RESULT_EXCERPT_CHARS, now],
  });
  return rowCount ?? 0;
}

export interface NotifyDelivery {
  deliveryId: string;
  notificationId: string;
  taskId: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  finishedAt: Date;
}

/** Records how the webhook post of a notification went (the URL and raw error stay server-side). */
export async function insertNotifyDelivery(db: pg.Pool | pg.ClientBase, d: NotifyDelivery): Promise<void> {
  await db.query(
    `insert into webhook_deliveries (delivery_id, notification_id, task_id, status, attempts, response_status, error, finished_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [d.deliveryId, d.notificationId, d.taskId, d.status, d.attempts, d.responseStatus, d.error, d.finishedAt],
  );
}

export interface NotificationFilter {
  userId: string;
  /** true: unread only; false: read only. */
  unread?: boolean | undefined;
  /** Ids below this one (the next page). */
  before?: string | undefined;
}

/** A user's notifications, newest first, at most `limit`. */
export async function listNotifications(em: EntityManager, f: NotificationFilter, limit: number): Promise<Notification[]> {
  const where: Record<string, unknown> = { userId: f.userId };
  if (f.unread === true) where.readAt = null;
  if (f.unread === false) where.readAt = { $ne: null };
  if (f.before) where.id = { $lt: f.before };
  return await em.find(Notification, where, { orderBy: { id: 'desc' }, limit });
}

export async function unreadCount(em: EntityManager, userId: string): Promise<number> {
  const [row] = await em.execute<{ n: number }[]>('select count(*)::int as n from notifications where user_id = ? and read_at is null', [userId]);
  return row?.n ?? 0;
}

/** Marks one of the user's notifications read (reading twice keeps the first time); null when it is not theirs. */
export async function markNotificationRead(em: EntityManager, userId: string, id: string, now: Date): Promise<Notification | null> {
  const n = await em.findOne(Notification, { id, userId });
  if (!n) return null;
  n.readAt ??= now;
  await em.flush();
  return n;
}

/** Marks every unread notification of the user read; returns how many were unread. */
export async function markAllNotificationsRead(em: EntityManager, userId: string, now: Date): Promise<number> {
  const rows = await em.execute<{ id: string }[]>('update notifications set read_at = ? where user_id = ? and read_at is null returning id', [now, userId]);
  return rows.length;
}
