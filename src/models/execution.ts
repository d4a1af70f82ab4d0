import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';

// `dispatched`: handed to a broker (an amqp action); final unless the worker reports its outcome.
// `waiting`: a scheduled fire of a task with dependencies, waiting (until waitUntil) for them to succeed.
export const EXECUTION_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'missed', 'skipped', 'interrupted', 'cancelled', 'waiting', 'dispatched'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const TRIGGERS = ['schedule', 'manual', 'retry', 'catchup', 'dependency'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface ExecutionError {
  type: string;
  message: string;
}

/**
 * One fire of a task. `(taskId, scheduledFor)` is unique: that key is the exactly-once guarantee,
 * since a second claim of the same occurrence cannot insert a second row. `owner`, `leaseUntil`
 * and `epoch` fence the engine replica that holds it.
 */
export const Execution = defineEntity({
  name: 'Execution',
  tableName: 'executions',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    taskId: p.bigint('string'),
    userId: p.bigint('string'),
    status: p.enum(EXECUTION_STATUSES),
    trigger: p.enum(TRIGGERS),
    attempt: p.integer().default(1),
    scheduledFor: p.datetime(),
    owner: p.text().nullable(),
    leaseUntil: p.datetime().nullable(),
    epoch: p.integer().default(0),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    output: p.text().nullable(),
    error: p.json<ExecutionError>().nullable(),
    promptTokens: p.integer().default(0),
    completionTokens: p.integer().default(0),
    llmCalls: p.integer().default(0),
    toolCalls: p.integer().default(0),
    dryRun: p.boolean().default(false),
    /** The dependency executions (ids) whose successes let this one run. */
    satisfiedBy: p.json<string[]>().nullable(),
    waitUntil: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Execution = InferEntity<typeof Execution>;
