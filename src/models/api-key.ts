import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

/** An API key, stored as the SHA-256 of the key: keys are 190-bit random, so a slow hash buys nothing. */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    userId: p.bigint('string'),
    prefix: p.text(),
    keyHash: p.text().unique(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});
export type ApiKey = InferEntity<typeof ApiKey>;
