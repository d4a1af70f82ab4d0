import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

/** Remembers which task an `Idempotency-Key` created, so a client's retry gets that task back. */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  properties: {
    userId: p.bigint('string').primary(),
    key: p.text().primary(),
    requestHash: p.text(),
    taskId: p.bigint('string'),
    /** A batch create's tasks, in request order (taskId is the first). */
    taskIds: p.json<string[]>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IdempotencyKey = InferEntity<typeof IdempotencyKey>;
