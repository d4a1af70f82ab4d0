import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';
import type { TaskAction } from '../actions/action.ts';
import type { ZonelessSpec } from '../scheduler/schedule.ts';

/** The spec as stored: the zone lives in its own column, so it is not repeated here (withZone joins them). */
export type StoredSchedule = ZonelessSpec;

export const MISFIRE_POLICIES = ['run_once', 'skip'] as const;
export const OVERLAP_POLICIES = ['skip', 'allow'] as const;
export const TASK_KINDS = ['user', 'system'] as const;
export const DEFAULT_WAIT_SECONDS = 3600;
/**
 * How a pause for the monthly token budget begins (runner/bounds.ts writes it): the
 * reset-monthly-budgets system job resumes exactly those tasks once their month turns.
 */
export const MONTHLY_BUDGET_PAUSE = 'monthly token budget reached:';
/** At most this many dependencies per task (`after`). */
export const MAX_DEPENDENCIES = 20;

/**
 * A user's scheduled task. `nextRunAt` is the job store: the engine claims rows whose nextRunAt
 * falls inside its look-ahead window, so nothing else keeps a copy of the schedule.
 */
/** The finish statuses a run webhook can be sent for (tasks.webhook_events; null means all). */
export const RUN_WEBHOOK_EVENTS = ['succeeded', 'failed', 'cancelled', 'skipped', 'missed'] as const;

export const Task = defineEntity({
  name: 'Task',
  tableName: 'tasks',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    userId: p.bigint('string'),
    name: p.text(),
    prompt: p.text().default(''),
    /** Null for a task that only runs after other tasks (`after`, see task_dependencies). */
    schedule: p.json<StoredSchedule>().nullable(),
    timezone: p.text(),
    enabled: p.boolean().default(true),
    tools: p.array().default([]),
    maxAttempts: p.integer().default(3),
    misfirePolicy: p.enum(MISFIRE_POLICIES).default('run_once'),
    misfireGraceSeconds: p.integer().default(3600),
    overlap: p.enum(OVERLAP_POLICIES).default('skip'),
    pauseAfterFailures: p.integer().default(5),
    consecutiveFailures: p.integer().default(0),
    pausedReason: p.text().nullable(),
    startAt: p.datetime().nullable(),
    endAt: p.datetime().nullable(),
    nextRunAt: p.datetime().nullable(),
    lastRunAt: p.datetime().nullable(),
    lastStatus: p.text().nullable(),
    /** Overrides OPENAI_MODEL for this task's runs. */
    model: p.text().nullable(),
    webhookUrl: p.text().nullable(),
    /** Signs webhook bodies; stays server-side (never serialized, never in a prompt). */
    webhookSecret: p.text().nullable(),
    /** The finish statuses POSTed to webhookUrl (run webhooks); null: all of them. */
    webhookEvents: p.array<(typeof RUN_WEBHOOK_EVENTS)[number]>().nullable(),
    monthlyTokenBudget: p.integer().nullable(),
    /** How long a scheduled fire waits for its dependencies before it is recorded `skipped`. */
    waitSeconds: p.integer().default(DEFAULT_WAIT_SECONDS),
    /** Each finished run's result (output or failure reason) goes to the owner's inbox. */
    notifyResult: p.boolean().default(false),
    /** `system`: a job declared in code (src/scheduler/system-jobs.ts), owned by the system user. */
    kind: p.enum(TASK_KINDS).default('user'),
    systemName: p.text().nullable(),
    /** A user's own note on the task (at most 2,000 characters); for a system job, what it does. */
    description: p.text().nullable(),
    /** A system job no longer declared in code: disabled and never fired. */
    orphaned: p.boolean().default(false),
    /** Kept by triggers on task_dependencies: the claim knows which fires to check (wait.ts). */
    hasDependencies: p.boolean().default(false),
    /** What a fire does (src/actions/action.ts); llm unless set. */
    action: p.json<TaskAction>().default('{"kind":"llm"}'),
    /** sha256 of the worker token that reports outcomes of amqp fires; the token itself is shown once. */
    workerTokenHash: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Task = InferEntity<typeof Task>;
