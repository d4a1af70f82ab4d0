import { z } from 'zod';
import type { EventHub } from '../events.ts';
import { type RouteDef, route } from '../route.ts';

const EventsQuery = z
  .object({
    // EventSource cannot set headers on its own reconnects' first request from a fresh page.
    lastEventId: z.string().max(40).optional().describe('same as the Last-Event-ID header'),
  })
  .strict();

/** `GET /api/events`: the signed-in user's task, execution and notification events as SSE. */
export function eventRoutes(hub: EventHub): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/events',
      tag: 'events',
      summary:
        'Server-Sent Events of your tasks (task.created|updated|deleted), executions (execution.queued|started|succeeded|failed|…) and notifications (notification.created|read). ' +
        'id: the event id; data: JSON with ids, status and the like (fetch details yourself). Send Last-Event-ID to replay what you missed; `event: reset` means reload your state.',
      access: 'user',
      query: EventsQuery,
      headers: { 'Last-Event-ID': 'the id of the last event received: the stream resumes after it' },
      responses: {
        200: { description: 'an event stream that stays open; a comment every 15 s keeps it alive', contentType: 'text/event-stream' },
        401: { description: 'no valid API key' },
        429: { description: 'too many open streams for this user' },
      },
      async handler(ctx, { query, principal }) {
        const lastEventId = ctx.get('last-event-id') || query.lastEventId || undefined;
        const client = await hub.open(principal.userId, lastEventId);
        ctx.status = 200;
        ctx.type = 'text/event-stream';
        ctx.set('Cache-Control', 'no-cache, no-transform');
        // Proxies such as nginx would otherwise hold events back in their buffers.
        ctx.set('X-Accel-Buffering', 'no');
        // No Nagle delay between an event and the wire.
        ctx.req.socket.setNoDelay(true);
        // The stream is ours to write: handed to Koa as a body, every client that goes away would be
        // reported as a "premature close" error. Headers set above are already on ctx.res.
        ctx.respond = false;
        ctx.res.flushHeaders();
        client.stream.pipe(ctx.res);
        ctx.res.once('close', () => client.stream.destroy());
      },
    }),
  ];
}
