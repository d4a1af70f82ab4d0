import { type PassThrough, pipeline } from 'node:stream';
import type { Context } from 'koa';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import type { EventHub } from '../events.ts';
import { type RouteDef, route } from '../route.ts';
import { rowId } from '../schemas.ts';

const EVENT_ID = rowId('must be an event id (the id: line of an event received)');

const EventsQuery = z
  .object({
    // EventSource cannot set headers on its own reconnects' first request from a fresh page.
    lastEventId: z.union([z.literal(''), EVENT_ID]).optional().describe('same as the Last-Event-ID header'),
  })
  .strict();

/** The Last-Event-ID header, checked like the query parameter (before a stream slot is taken). */
function lastEventIdHeader(value: string): string | undefined {
  if (!value) return undefined;
  const r = EVENT_ID.safeParse(value);
  if (!r.success) {
    const message = r.error.issues[0]?.message ?? 'invalid';
    throw new ValidationError(`Last-Event-ID: ${message}`, [{ path: 'Last-Event-ID', message }]);
  }
  return r.data;
}

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
        422: { description: 'lastEventId or Last-Event-ID is not an event id' },
        429: { description: 'too many open streams for this user' },
      },
      async handler(ctx, { query, principal }) {
        const lastEventId = lastEventIdHeader(ctx.get('last-event-id')) ?? (query.lastEventId || undefined);
        const client = await hub.open(principal.userId, lastEventId);
        // From here every way out must end the client, or its slot stays taken for good.
        // The client may have gone during the replay query: nothing would ever close this stream.
        if (ctx.res.destroyed) {
          client.close();
          ctx.respond = false;
          return;
        }
        try {
          stream(ctx, client.stream);
        } catch (err) {
          client.close();
          throw err;
        }
      },
    }),
  ];
}

/** Answers the request with the event stream, written by us rather than by Koa. */
function stream(ctx: Context, events: PassThrough): void {
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
  // Either end going away tears down the other: a closed connection destroys the stream (which
  // frees the slot), an ended or dropped stream ends the response.
  pipeline(events, ctx.res, () => {});
}
