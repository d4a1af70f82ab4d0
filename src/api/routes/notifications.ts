import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import { Notification } from '../../models/notification.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { cursorParam, isRowId, NotificationOut, NotificationPageOut } from '../schemas.ts';
import { em } from './tasks.ts';

const cursor = cursorParam;
const ListNotificationsQuery = z
  .object({
    unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    cursor,
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

function notificationJson(n: Notification) {
  return {
    id: n.id,
    taskId: n.taskId ?? null,
    executionId: n.executionId ?? null,
    title: n.title,
    body: n.body,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  };
}

async function unreadCount(e: EntityManager, userId: string): Promise<number> {
  const [row] = await e.execute<{ n: number }[]>('select count(*)::int as n from notifications where user_id = ? and read_at is null', [userId]);
  return row?.n ?? 0;
}

/** The in-app inbox the notify tool writes to: list (with the unread count), mark read. */
export function notificationRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/notifications',
      tag: 'notifications',
      summary: 'Your notifications, newest first, with the number still unread',
      access: 'user',
      query: ListNotificationsQuery,
      responses: {
        200: { description: 'a page of notifications', schema: NotificationPageOut },
      },
      async handler(ctx, { query, principal }) {
        const where: Record<string, unknown> = { userId: principal.userId };
        if (query.unread === true) where.readAt = null;
        if (query.unread === false) where.readAt = { $ne: null };
        if (query.cursor) where.id = { $lt: query.cursor };
        const rows = await em(ctx).find(Notification, where, { orderBy: { id: 'desc' }, limit: query.limit + 1 });
        const items = rows.slice(0, query.limit);
        ctx.body = {
          items: items.map(notificationJson),
          nextCursor: rows.length > query.limit ? (items[items.length - 1]?.id ?? null) : null,
          unreadCount: await unreadCount(em(ctx), principal.userId),
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/notifications/:id/read',
      tag: 'notifications',
      summary: 'Mark one notification read',
      access: 'user',
      responses: { 200: { description: 'the notification', schema: NotificationOut }, 404: { description: 'no such notification' } },
      async handler(ctx, { params, principal }) {
        const id = params.id as string;
        if (!isRowId(id)) throw new NotFoundError('notification');
        const n = await em(ctx).findOne(Notification, { id, userId: principal.userId });
        if (!n) throw new NotFoundError('notification');
        // Reading twice keeps the first time.
        n.readAt ??= deps.clock.now();
        await em(ctx).flush();
        ctx.body = notificationJson(n);
      },
    }),
    route({
      method: 'post',
      path: '/api/notifications/read-all',
      tag: 'notifications',
      summary: 'Mark every notification read',
      access: 'user',
      responses: { 200: { description: 'how many were unread', schema: z.object({ updated: z.number() }) } },
      async handler(ctx, { principal }) {
        const rows = await em(ctx).execute<{ id: string }[]>('update notifications set read_at = ? where user_id = ? and read_at is null returning id', [
          deps.clock.now(),
          principal.userId,
        ]);
        ctx.body = { updated: rows.length };
      },
    }),
  ];
}
