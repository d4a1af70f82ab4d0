import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

/** One entry of a task's small key-value memory, written by the runner's memory_set tool. */
export const TaskMemory = defineEntity({
  name: 'TaskMemory',
  tableName: 'task_memory',
  properties: {
    taskId: p.bigint('string').primary(),
    key: p.text().primary(),
    value: p.json<unknown>(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type TaskMemory = InferEntity<typeof TaskMemory>;
