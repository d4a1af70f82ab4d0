import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    name: p.text(),
    isAdmin: p.boolean().default(false),
    /** The built-in owner of system jobs (one row, created by the jobs migration). */
    isSystem: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type User = InferEntity<typeof User>;
