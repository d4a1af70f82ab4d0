import { z } from 'zod';
import { NotFoundError } from '../../errors.ts';
import type { Notification } from '../../models/notification.ts';
import { listNotifications, markAllNotificationsRead, markNotificationRead, unreadCount } from '../../store/notifications.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { cursorParam, isRowId, NotificationOut, NotificationPageOut } from '../schemas.ts';
import { pageOf } from '../serialize.ts';
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
        const rows = await listNotifications(em(ctx), { userId: principal.userId, unread: query.unread, before: query.cursor }, query.limit + 1);
        ctx.body = {
          ...pageOf(rows, query.limit, notificationJson),
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
        const n = await markNotificationRead(em(ctx), principal.userId, id, deps.clock.now());
        if (!n) throw new NotFoundError('notification');
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
        ctx.body = { updated: await markAllNotificationsRead(em(ctx), principal.userId, deps.clock.now()) };
      },
    }),
  ];
}
