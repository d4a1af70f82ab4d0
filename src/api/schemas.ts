import { z } from 'zod';
import { EXECUTION_STATUSES, TRIGGERS } from '../models/execution.ts';
import { MAX_DEPENDENCIES, MISFIRE_POLICIES, OVERLAP_POLICIES } from '../models/task.ts';
import { TOOL_NAMES } from '../runner/tools/names.ts';

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 instant with an offset, e.g. 2026-12-24T18:00:00Z' });

export const ScheduleInputSchema = z
  .object({
    cron: z.string().min(1).max(256).optional().describe('5 fields, or 6 with seconds first; @daily etc.; L, W, #'),
    every: z
      .union([z.string().min(1).max(32), z.number()])
      .optional()
      .describe('a fixed interval: seconds, or "15m", "2h", "1d"'),
    at: z.string().min(1).max(64).optional().describe('once: a local date-time in the task zone, or an instant with offset'),
    rrule: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .describe('RFC 5545 RRULE, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0 (times are wall-clock in the task zone)'),
    dtstart: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('with rrule: the local date-time the rule counts INTERVAL and COUNT from, and takes unset parts from; default now, to the minute'),
    text: z.string().min(1).max(2000).optional().describe('plain English, read by the NL parser'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = (['cron', 'every', 'at', 'rrule', 'text'] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: given.length ? `give exactly one of cron, every, at, rrule or text (got ${given.join(' and ')})` : 'give one of cron, every, at, rrule or text',
      });
    }
    if (s.dtstart !== undefined && s.rrule === undefined) ctx.addIssue({ code: 'custom', path: ['dtstart'], message: 'only with rrule' });
  });
export type ScheduleInputBody = z.infer<typeof ScheduleInputSchema>;

export const MisfireSchema = z
  .object({
    policy: z.enum(MISFIRE_POLICIES).optional().describe('run_once: one catch-up run; skip: record it as missed'),
    graceSeconds: z.number().int().min(0).max(30 * 86400).optional().describe('a fire missed by more than this is skipped'),
  })
  .strict();

// Ids are opaque strings in responses; a client that sends them back as numbers means the same.
const TASK_ID = z.union([z.string().regex(/^\d{1,19}$/, 'must be a task id'), z.number().int().positive()]).transform(String);

const TOOL_NAME = z.enum(TOOL_NAMES, { error: `must be one of the runner's tools: ${TOOL_NAMES.join(', ')}` });

const taskFields = {
  name: z.string().trim().min(1).max(200),
  prompt: z.string().max(20_000),
  schedule: ScheduleInputSchema.nullable().describe('null: the task runs only after the tasks in `after`'),
  timezone: z.string().min(1).max(64).describe('IANA zone, e.g. Europe/Paris'),
  enabled: z.boolean(),
  tools: z.array(TOOL_NAME).max(32),
  maxAttempts: z.number().int().min(1).max(20),
  misfire: MisfireSchema,
  overlap: z.enum(OVERLAP_POLICIES),
  startAt: instant.nullable(),
  endAt: instant.nullable(),
  pauseAfterFailures: z.number().int().min(0).max(10_000).describe('0 never pauses'),
  model: z.string().trim().min(1).max(100).nullable().describe("the chat model for this task's runs; null: the server's OPENAI_MODEL"),
  webhookUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000).nullable().describe('notify also POSTs here, signed'),
  webhookSecret: z.string().min(16).max(256).nullable().describe('signs webhook bodies (X-Tickler-Signature); write-only, never returned'),
  monthlyTokenBudget: z.number().int().min(1).max(1_000_000_000).nullable().describe('tokens per calendar month; a run that would exceed it pauses the task'),
  after: z
    .array(TASK_ID)
    .max(MAX_DEPENDENCIES)
    .describe('ids of your tasks this one runs after: without a schedule it runs once all of them succeeded since its last run; with one, its fires wait for that'),
  waitSeconds: z.number().int().min(0).max(7 * 86400).describe('how long a scheduled fire waits for `after` before it is recorded skipped (default 3600)'),
};

export const CreateTaskSchema = z
  .object({
    ...Object.fromEntries(Object.entries(taskFields).map(([k, v]) => [k, v.optional()])),
    text: z.string().trim().min(1).max(4000).optional().describe('a chat message holding both the schedule and the instruction'),
  } as { [K in keyof typeof taskFields]: z.ZodOptional<(typeof taskFields)[K]> } & { text: z.ZodOptional<z.ZodString> })
  .strict();
export type CreateTaskBody = z.infer<typeof CreateTaskSchema>;

export const UpdateTaskSchema = z
  .object(Object.fromEntries(Object.entries(taskFields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof taskFields]: z.ZodOptional<(typeof taskFields)[K]>;
  })
  .strict();
export type UpdateTaskBody = z.infer<typeof UpdateTaskSchema>;

const limit = z.coerce.number().int().min(1).max(200).default(50);
const BIGINT_MAX = 9_223_372_036_854_775_807n;
/** A row id as the API shows it: digits within PostgreSQL's bigint (a larger one would fail the cast: a 500). */
export const isRowId = (s: string): boolean => /^\d{1,19}$/.test(s) && BigInt(s) <= BIGINT_MAX;
export const cursorParam = z.string().refine(isRowId, 'must be a cursor returned as nextCursor').optional();
const cursor = cursorParam;
const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListTasksQuery = z.object({ enabled: boolParam.optional(), cursor, limit }).strict();
export const ListExecutionsQuery = z.object({ status: z.enum(EXECUTION_STATUSES).optional(), cursor, limit }).strict();
export const DeleteTaskQuery = z.object({ detach: boolParam.optional() }).strict();

export const ParseRequestSchema = z
  .object({
    text: z.string().trim().min(1).max(4000).optional(),
    schedule: ScheduleInputSchema.optional().describe('instead of text: an explicit schedule ({cron}, {every}, {at}, {rrule, dtstart?}) to validate, describe and preview'),
    timezone: z.string().min(1).max(64).optional(),
    now: instant.optional().describe('reference instant for relative phrases; default the server clock'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.text === undefined) === (s.schedule === undefined)) ctx.addIssue({ code: 'custom', path: ['text'], message: 'give exactly one of text or schedule' });
  });

export const RunTaskSchema = z.object({ dryRun: z.boolean().optional() }).strict();

export const CreateUserSchema = z.object({ name: z.string().trim().min(1).max(200), isAdmin: z.boolean().optional() }).strict();

// Response shapes, for the OpenAPI document.
export const ScheduleOut = z.object({
  kind: z.enum(['cron', 'interval', 'once', 'rrule']),
  cron: z.string().optional(),
  rrule: z.string().optional().describe('the rule as stored: the parts taken from dtstart written out'),
  dtstart: z.string().optional().describe('local date-time in the task zone'),
  everySeconds: z.number().optional(),
  anchor: z.string().optional(),
  at: z.string().optional(),
  timezone: z.string(),
  description: z.string(),
});

export const TaskOut = z.object({
  id: z.string(),
  name: z.string(),
  prompt: z.string(),
  schedule: ScheduleOut.nullable(),
  timezone: z.string(),
  enabled: z.boolean(),
  tools: z.array(z.string()),
  maxAttempts: z.number(),
  misfire: z.object({ policy: z.enum(MISFIRE_POLICIES), graceSeconds: z.number() }),
  overlap: z.enum(OVERLAP_POLICIES),
  startAt: z.string().nullable(),
  endAt: z.string().nullable(),
  pauseAfterFailures: z.number(),
  consecutiveFailures: z.number(),
  pausedReason: z.string().nullable(),
  model: z.string().nullable(),
  webhookUrl: z.string().nullable(),
  webhookConfigured: z.boolean(),
  monthlyTokenBudget: z.number().nullable(),
  after: z.array(z.string()),
  waitSeconds: z.number(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastStatus: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ExecutionOut = z.object({
  id: z.string(),
  taskId: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  trigger: z.enum(TRIGGERS),
  attempt: z.number(),
  scheduledFor: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  output: z.string().nullable(),
  error: z.object({ type: z.string(), message: z.string() }).nullable(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number(), llmCalls: z.number(), toolCalls: z.number() }),
  dryRun: z.boolean(),
  satisfiedBy: z.array(z.string()).nullable().describe('the dependency executions whose successes let this one run'),
  waitUntil: z.string().nullable().describe('a waiting fire is skipped at this instant unless its dependencies succeed first'),
});

export const StepOut = z.object({
  index: z.number(),
  kind: z.enum(['llm', 'tool']),
  startedAt: z.string(),
  durationMs: z.number(),
}).catchall(z.unknown());

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
