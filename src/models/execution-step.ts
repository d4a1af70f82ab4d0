import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

/** One step of a run: an LLM call or a tool call. Kind-specific fields live in `data`. */
export const ExecutionStep = defineEntity({
  name: 'ExecutionStep',
  tableName: 'execution_steps',
  properties: {
    executionId: p.bigint('string').primary(),
    index: p.integer().primary(),
    kind: p.enum(['llm', 'tool'] as const),
    startedAt: p.datetime(),
    durationMs: p.integer(),
    data: p.json<Record<string, unknown>>(),
  },
});
export type ExecutionStep = InferEntity<typeof ExecutionStep>;
