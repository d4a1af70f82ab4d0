import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

export const DELIVERY_STATUSES = ['delivered', 'failed', 'refused'] as const;

/** The outcome of POSTing one notification to its task's webhook, after every retry. */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    /** The X-Tickler-Delivery header: what a receiver dedupes on, and what its owner quotes to us. */
    deliveryId: p.uuid().unique(),
    notificationId: p.bigint('string'),
    taskId: p.bigint('string').nullable(),
    status: p.enum(DELIVERY_STATUSES),
    attempts: p.integer(),
    responseStatus: p.integer().nullable(),
    error: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    finishedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type WebhookDelivery = InferEntity<typeof WebhookDelivery>;
