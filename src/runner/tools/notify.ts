import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { insertNotification, insertNotifyDelivery, lastNotificationBody } from '../../store/notifications.ts';
import { pgText } from '../text.ts';
import { deliverWebhook, type DeliveryOutcome } from '../webhook.ts';
import { atMost, defineTool, type ToolContext } from './types.ts';

/** Per run: a model stuck in a loop must not flood the inbox. */
export const MAX_NOTIFICATIONS_PER_RUN = 5;
const COUNTER = 'notify';

const Args = z.object({
  title: z.string().refine(...atMost(200)).describe('a short subject line'),
  message: z.string().refine((s) => s.trim().length > 0, 'must not be empty').refine(...atMost(10_000)).describe('the message for the user'),
  onlyIfChanged: z.boolean().describe('true: deliver only if the message differs from the last one this task sent'),
});
type Args = z.infer<typeof Args>;

const same = (a: string, b: string) => a.trim().replace(/\s+/g, ' ') === b.trim().replace(/\s+/g, ' ');

async function sendWebhook(ctx: ToolContext, n: { id: string; createdAt: Date }, args: Args): Promise<DeliveryOutcome | null> {
  const hook = ctx.task.webhook;
  if (!hook) return null;
  // Random rather than the notification's id: unique across databases and environments a receiver
  // may hear from, and it tells nobody how many notifications there are.
  const deliveryId = randomUUID();
  const body = JSON.stringify({
    type: 'notification',
    deliveryId,
    timestamp: Math.floor(ctx.env.clock.now().getTime() / 1000),
    notification: { id: n.id, title: args.title, body: args.message, createdAt: n.createdAt.toISOString() },
    task: { id: ctx.task.id, name: ctx.task.name },
    execution: { id: ctx.execution.id },
  });
  const outcome = await deliverWebhook({ url: hook.url, secret: hook.secret, body, deliveryId }, { http: ctx.env.http, clock: ctx.env.clock, signal: ctx.signal });
  await insertNotifyDelivery(ctx.env.db.pool, { deliveryId, notificationId: n.id, taskId: ctx.task.id, ...outcome, finishedAt: ctx.env.clock.now() });
  return outcome;
}

/**
 * Stores the notification, or resolves null when `onlyIfChanged` finds it equal to the previous
 * one. The per-run limit is checked and taken with no await in between, before the insert, so
 * parallel calls cannot all see room; a notification that was not stored gives its place back.
 */
async function store(args: Args, ctx: ToolContext, previous: Promise<string | null | undefined>): Promise<{ id: string; createdAt: Date } | null> {
  if (args.onlyIfChanged) {
    const before = await previous;
    const last = before === undefined ? await lastNotificationBody(ctx.env.db.pool, ctx.task.id) : before;
    if (last !== null && same(last, args.message)) return null;
  }
  const sent = ctx.counters.get(COUNTER) ?? 0;
  if (sent >= MAX_NOTIFICATIONS_PER_RUN) throw new Error(`at most ${MAX_NOTIFICATIONS_PER_RUN} notifications per run`);
  ctx.counters.set(COUNTER, sent + 1);
  try {
    return await insertNotification(ctx.env.db.pool, {
      userId: ctx.task.userId,
      taskId: ctx.task.id,
      executionId: ctx.execution.id,
      title: pgText(args.title),
      body: pgText(args.message),
      createdAt: ctx.env.clock.now(),
    });
  } catch (err) {
    ctx.counters.set(COUNTER, (ctx.counters.get(COUNTER) ?? 1) - 1);
    throw err;
  }
}

/**
 * What the model learns of a delivery: the outcome in general terms. The URL (which often embeds a
 * token) and the raw error stay server-side, in webhook_deliveries.
 */
function webhookSummary(d: DeliveryOutcome) {
  const why =
    d.status === 'delivered' ? undefined : d.status === 'refused' ? 'the webhook address is not allowed' : d.responseStatus ? `the webhook answered HTTP ${d.responseStatus}` : 'the webhook could not be reached';
  return { status: d.status, attempts: d.attempts, ...(why ? { error: why } : {}) };
}

/** Delivers a message to the user: the in-app inbox, and the task's webhook when it has one. */
export const notifyTool = defineTool({
  name: 'notify',
  description:
    "Send the user a notification now: it appears in their inbox (and is posted to the task's webhook if one is set). Use onlyIfChanged to stay quiet when nothing changed since the last notification.",
  parameters: Args,
  sideEffect: () => true,
  dryRun: (args, ctx) => ({
    dryRun: true,
    wouldNotify: { title: args.title, message: args.message, onlyIfChanged: args.onlyIfChanged },
    webhook: ctx.task.webhook ? 'would also be posted to the task webhook' : 'none configured',
  }),
  async run(args, ctx) {
    // In call order, parallel calls included: this call compares with what the calls before it
    // leave as the last notification, and leaves its own message for the calls after it.
    const previous = ctx.lastNotification;
    const stored = store(args, ctx, previous);
    ctx.lastNotification = stored.then(
      (n) => (n ? pgText(args.message) : previous),
      () => previous,
    );
    const n = await stored;
    if (!n) return { delivered: false, reason: 'unchanged: the message equals the last notification, so it was not sent again' };
    const hook = await sendWebhook(ctx, n, args);
    return {
      delivered: true,
      notificationId: n.id,
      webhook: hook === null ? 'none configured' : webhookSummary(hook),
    };
  },
});
