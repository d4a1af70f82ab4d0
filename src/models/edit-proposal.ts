import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

/** A change POST /api/tasks/:id/edit proposed, kept until it expires so that a confirm applies it as shown. */
export const EditProposal = defineEntity({
  name: 'EditProposal',
  tableName: 'edit_proposals',
  properties: {
    id: p.uuid().primary(),
    userId: p.bigint('string'),
    taskId: p.bigint('string'),
    text: p.text(),
    /** A PATCH body. */
    patch: p.json<Record<string, unknown>>(),
    source: p.enum(['rules', 'llm'] as const),
    /** The task's updatedAt when proposed. */
    taskVersion: p.datetime(),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
  },
});
export type EditProposal = InferEntity<typeof EditProposal>;
