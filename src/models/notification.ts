import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

/** A message for the user's in-app inbox, written by the runner's notify tool. */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    userId: p.bigint('string'),
    taskId: p.bigint('string').nullable(),
    executionId: p.bigint('string').nullable(),
    title: p.text(),
    body: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
    readAt: p.datetime().nullable(),
  },
});
export type Notification = InferEntity<typeof Notification>;
