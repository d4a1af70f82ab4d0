import { ActionOut, ActionSchema } from '../actions/action.ts';
import { z } from 'zod';
import { EXECUTION_STATUSES, TRIGGERS } from '../models/execution.ts';
import { INSTANT_RANGE, isInstantInRange, isRowId } from '../models/ranges.ts';
import { MAX_DEPENDENCIES, MISFIRE_POLICIES, OVERLAP_POLICIES, RUN_WEBHOOK_EVENTS } from '../models/task.ts';
import { TOOL_NAMES } from '../runner/tools/names.ts';

// Bidi overrides and isolates (and the LRM/RLM marks) make a name show as text it is not ("Trojan
// Source"); an unpaired surrogate is not text at all and breaks every UTF-8 consumer downstream.
const UNSAFE_IN_NAMES = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDFFF]/u;
const UNSAFE_IN_NAMES_ALL = new RegExp(UNSAFE_IN_NAMES.source, 'gu');
/** A name with bidi controls and unpaired surrogates removed (for names derived from other text). */
export const cleanName = (s: string): string => s.replace(UNSAFE_IN_NAMES_ALL, '');
const nameField = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((s) => !UNSAFE_IN_NAMES.test(s), 'must not contain bidirectional control characters (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) or unpaired surrogates');

/** An instant with an offset, within the range the store and the scheduler hold (src/models/ranges.ts). */
export const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 instant with an offset, e.g. 2026-12-24T18:00:00Z' })
  .refine((s) => isInstantInRange(new Date(s)), `must be ${INSTANT_RANGE}`);

/** A row id as a string (as responses show it), within PostgreSQL's bigint. */
export const rowId = (message: string) => z.string().refine(isRowId, message);

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
const TASK_ID = z.union([rowId('must be a task id'), z.number().int().positive()]).transform(String);

const TOOL_NAME = z.enum(TOOL_NAMES, { error: `must be one of the runner's tools: ${TOOL_NAMES.join(', ')}` });

/**
 * Task columns a client sets and reads as they are stored (no derivation, no validation beyond
 * this schema): create, update and the response copy them by key (task-input.ts, serialize.ts),
 * so a new one is declared here and on the entity (with its migration), nowhere else. Each is a
 * nullable column; null or absent on create stores null.
 */
export const plainTaskFields = {
  description: z.string().max(2000).nullable().describe('your own note on the task; shown back, never sent to the model'),
} satisfies Record<string, z.ZodType>;
export const PLAIN_TASK_FIELDS = Object.keys(plainTaskFields) as Array<keyof typeof plainTaskFields>;

const taskFields = {
  ...plainTaskFields,
  name: nameField,
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
  model: z.string().trim().min(1).max(100).nullable().describe("the chat model for this task's runs, one of OPENAI_MODELS; null: the server's OPENAI_MODEL"),
  webhookUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000).nullable().describe('notify also POSTs here, signed'),
  webhookSecret: z.string().min(16).max(256).nullable().describe('signs webhook bodies (X-Tickler-Signature); write-only, never returned'),
  webhookEvents: z
    .array(z.enum(RUN_WEBHOOK_EVENTS))
    .max(RUN_WEBHOOK_EVENTS.length)
    .nullable()
    .describe('the finish statuses POSTed to webhookUrl, one signed delivery per finished execution; null or absent: all of them; [] none'),
  monthlyTokenBudget: z.number().int().min(1).max(1_000_000_000).nullable().describe('tokens per calendar month; a run that would exceed it pauses the task'),
  after: z
    .array(TASK_ID)
    .max(MAX_DEPENDENCIES)
    .describe('ids of your tasks this one runs after: without a schedule it runs once all of them succeeded since its last run; with one, its fires wait for that'),
  waitSeconds: z.number().int().min(0).max(7 * 86400).describe('how long a scheduled fire waits for `after` before it is recorded skipped (default 3600)'),
  action: ActionSchema.describe('what a fire does: {kind:"llm"} (default), {kind:"amqp", exchange, routingKey, headers?, payload?, declare?} or {kind:"http", url, secret, payload?}'),
  notifyResult: z.boolean().describe("true: each finished run's result (the start of its output, or why it failed) goes to your inbox (default false; the web app's compose box sets it)"),
};

export const CreateTaskSchema = z
  .object({
    ...Object.fromEntries(Object.entries(taskFields).map(([k, v]) => [k, v.optional()])),
    text: z.string().trim().min(1).max(4000).optional().describe('a chat message holding both the schedule and the instruction'),
    parseId: z.uuid({ error: 'must be a parseId returned by POST /api/schedules/parse' }).optional().describe('saves the reading a preview showed (schedule and instruction) instead of reading `text` again'),
  } as { [K in keyof typeof taskFields]: z.ZodOptional<(typeof taskFields)[K]> } & { text: z.ZodOptional<z.ZodString>; parseId: z.ZodOptional<z.ZodUUID> })
  .strict();
export type CreateTaskBody = z.infer<typeof CreateTaskSchema>;

export const MAX_BATCH_TASKS = 1000;
/** One task of a batch: a create body; a preview's parseId is for single creates only. */
export const BatchTaskSchema = CreateTaskSchema.omit({ parseId: true });

/**
 * POST /api/tasks/batch. Each task is checked here so that its issues are named `tasks[i].field`
 * (the batch is refused as a whole, so a client must know which one to fix).
 */
export const BatchCreateSchema = z
  .object({
    tasks: z
      .array(z.unknown())
      .min(1)
      .max(MAX_BATCH_TASKS)
      .describe(`1–${MAX_BATCH_TASKS} tasks, each a POST /api/tasks body (without parseId); all are created or none`),
  })
  .strict()
  .transform((b, ctx) => {
    const tasks: CreateTaskBody[] = [];
    for (const [i, t] of b.tasks.entries()) {
      const r = BatchTaskSchema.safeParse(t);
      if (r.success) {
        tasks.push(r.data);
        continue;
      }
      for (const issue of r.error.issues) {
        const path = [`tasks[${i}]`, ...issue.path.map(String)];
        if (issue.code === 'unrecognized_keys') for (const k of issue.keys) ctx.addIssue({ code: 'custom', path: [...path, k], message: 'unknown field' });
        else ctx.addIssue({ code: 'custom', path, message: issue.message });
      }
    }
    return { tasks };
  });

export const UpdateTaskSchema = z
  .object(Object.fromEntries(Object.entries(taskFields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof taskFields]: z.ZodOptional<(typeof taskFields)[K]>;
  })
  .strict();
export type UpdateTaskBody = z.infer<typeof UpdateTaskSchema>;

const limit = z.coerce.number().int().min(1).max(200).default(50);
export { isRowId };
export const cursorParam = rowId('must be a cursor returned as nextCursor').optional();
const cursor = cursorParam;
const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ListTasksQuery = z.object({ enabled: boolParam.optional(), cursor, limit }).strict();
export const ListExecutionsQuery = z.object({ status: z.enum(EXECUTION_STATUSES).optional(), cursor, limit }).strict();
export const ListRunsQuery = z
  .object({
    taskId: rowId('must be a task id').optional(),
    status: z.enum(EXECUTION_STATUSES).optional(),
    latest: boolParam.optional().describe('true: the last finished run of each task instead (no cursor)'),
    cursor,
    limit,
  })
  .strict();
export const DeleteTaskQuery = z.object({ detach: boolParam.optional() }).strict();

export const ParseRequestSchema = z
  .object({
    text: z.string().trim().min(1).max(4000).optional(),
    schedule: ScheduleInputSchema.optional().describe('instead of text: an explicit schedule ({cron}, {every}, {at}, {rrule, dtstart?}) to validate, describe and preview'),
    timezone: z.string().min(1).max(64).optional(),
    now: instant.optional().describe('reference instant for relative phrases; default the server clock'),
    locale: z.string().min(2).max(35).optional().describe('BCP 47 locale ("en-US", "en-GB") deciding whether 03/04 is March 4 or 3 April; default from Accept-Language'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.text === undefined) === (s.schedule === undefined)) ctx.addIssue({ code: 'custom', path: ['text'], message: 'give exactly one of text or schedule' });
  });

export const EditTaskSchema = z
  .object({
    text: z.string().trim().min(1).max(2000).describe('the change in plain English: "move it to 10am", "skip weekends", "pause until Monday", "stop after March"'),
    confirm: z.boolean().optional().describe('true applies the change (the one proposed for the same text, when there is one); otherwise nothing is saved'),
  })
  .strict();

export const RunTaskSchema = z.object({ dryRun: z.boolean().optional() }).strict();

export const CreateUserSchema = z.object({ name: nameField, isAdmin: z.boolean().optional() }).strict();

export const KeyOut = z.object({
  id: z.string(),
  prefix: z.string().describe('the first characters of the key: enough to recognise it, useless to authenticate'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  current: z.boolean().optional().describe('the key this request was made with (GET /api/keys)'),
});
export const NewKeyOut = z.object({
  id: z.string(),
  prefix: z.string(),
  apiKey: z.string().describe('shown once; only its hash is stored'),
  createdAt: z.string(),
  revoked: z.string().optional().describe('POST /api/keys/rotate: the id of the key it replaced, revoked'),
});

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

export const EDIT_FIELDS = ['schedule', 'timezone', 'enabled', 'startAt', 'endAt', 'name', 'prompt'] as const;

export const TaskOut = z.object({
  ...plainTaskFields,
  id: z.string(),
  name: z.string(),
  prompt: z.string(),
  schedule: ScheduleOut.nullable(),
  timezone: z.string(),
  enabled: z.boolean(),
  state: z.enum(['active', 'paused', 'completed']).describe('completed: a one-off that ran, or a task past its endAt (resume has nothing to run; run it again or give it a new schedule)'),
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
  webhookEvents: z.array(z.enum(RUN_WEBHOOK_EVENTS)).describe('the finish statuses POSTed to webhookUrl'),
  monthlyTokenBudget: z.number().nullable(),
  after: z.array(z.string()),
  waitSeconds: z.number(),
  action: ActionOut.describe('what a fire does (an http action without its secret)'),
  workerToken: z.string().optional().describe('amqp tasks: shown once, at create; workers present it to POST /api/executions/:id/complete'),
  notifyResult: z.boolean(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastStatus: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const EditOut = z.object({
  applied: z.boolean().describe('true once saved (confirm); false for a proposal'),
  source: z.enum(['rules', 'llm']),
  changes: z.array(z.object({ field: z.enum(EDIT_FIELDS), before: z.unknown(), after: z.unknown() })).describe('each field that changes, as the task shows it before and after; empty when the task already does that'),
  patch: z.record(z.string(), z.unknown()).describe('the same change as a PATCH /api/tasks/:id body'),
  task: TaskOut.describe('the task as it is (applied) or would be (proposal)'),
  nextRuns: z.array(z.string()).describe('the next five runs after the change, within startAt/endAt'),
  expiresAt: z.string().optional().describe('a proposal: until then `{confirm: true}` with the same text applies it without reading it again'),
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

/** A row of GET /api/executions: the execution, its task's name, and its failed tool calls. */
export const RunOut = ExecutionOut.extend({
  taskName: z.string(),
  failedToolCalls: z.number().describe('tool calls of this run that returned an error (the run may still have succeeded)'),
  firstToolError: z.string().nullable().describe("the first failed tool call's error"),
});

/** The JSON a task's webhookUrl receives for each finished execution (src/webhooks/run-dispatcher.ts builds it). */
export const RunWebhookBody = z
  .object({
    type: z.literal('execution.finished'),
    deliveryId: z.string().describe('also the X-Tickler-Delivery header: the same on every attempt, dedupe on it'),
    event: z.enum(RUN_WEBHOOK_EVENTS),
    execution: z.object({
      id: z.string(),
      taskId: z.string(),
      status: z.enum(RUN_WEBHOOK_EVENTS),
      trigger: z.enum(TRIGGERS),
      attempt: z.number(),
      scheduledFor: z.string(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      output: z.string().nullable(),
      error: z.object({ type: z.string(), message: z.string() }).nullable(),
      usage: z.object({ promptTokens: z.number(), completionTokens: z.number(), totalTokens: z.number(), llmCalls: z.number(), toolCalls: z.number() }),
    }),
  })
  .describe('POSTed to a task\'s webhookUrl when one of its executions finishes (webhookEvents), signed with X-Tickler-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "<t>.<raw body>">');

export const RunWebhookDeliveryOut = z.object({
  deliveryId: z.string().describe('the X-Tickler-Delivery header, the same on every attempt'),
  event: z.enum(RUN_WEBHOOK_EVENTS),
  status: z.enum(['pending', 'delivered', 'failed', 'refused']).describe('pending: an attempt is due at nextAttemptAt; refused: the URL is not a public address'),
  attempts: z.number(),
  responseStatus: z.number().nullable().describe("the receiver's HTTP status on the last attempt"),
  error: z.string().nullable().describe('why the last attempt failed'),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});

export const StepOut = z.object({
  index: z.number(),
  kind: z.enum(['llm', 'tool']),
  startedAt: z.string(),
  durationMs: z.number(),
}).catchall(z.unknown());

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

// Shapes of the other responses (the web app's types are inferred from these, src/web/types.ts).
export const JOB_SERVICES = ['system', 'tasks'] as const;

export const JobOut = z.object({
  service: z.enum(JOB_SERVICES),
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  schedule: ScheduleOut.nullable(),
  timezone: z.string(),
  enabled: z.boolean(),
  status: z.enum(['active', 'paused', 'orphaned']).describe('orphaned: a system job no longer declared in code; never fired'),
  pausedReason: z.string().nullable(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  lastStatus: z.string().nullable(),
  userId: z.string().nullable().describe("the owner of a user task; null for system jobs"),
});

export const GraphOut = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      enabled: z.boolean(),
      scheduled: z.boolean().describe('false: it runs only after the tasks it depends on'),
      nextRunAt: z.string().nullable(),
      lastStatus: z.string().nullable(),
      lastRunAt: z.string().nullable(),
    }),
  ),
  edges: z.array(
    z.object({
      from: z.string().describe('runs first'),
      to: z.string().describe('runs after `from`'),
      satisfied: z.boolean().describe('`from` succeeded since `to` last ran on it'),
    }),
  ),
});

export const NotificationOut = z.object({
  id: z.string(),
  taskId: z.string().nullable(),
  executionId: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});

export const NotificationPageOut = page(NotificationOut).extend({ unreadCount: z.number() });

export const SessionOut = z.object({
  authMode: z.enum(['local', 'apikey']),
  user: z.object({ id: z.string(), name: z.string(), isAdmin: z.boolean() }).nullable(),
  tools: z.array(z.string()),
  llmConfigured: z.boolean().describe('false: no OpenAI-compatible endpoint is set; runs fail and only the rules read phrases'),
});

/** POST /api/schedules/parse. */
export const ParseOut = z.object({
  schedule: ScheduleOut,
  nextRuns: z.array(z.string()),
  source: z.enum(['rules', 'llm', 'input']).describe('input: the explicit `schedule` given (no parseId: it is saved by sending it to create)'),
  task: z.object({ name: z.string(), prompt: z.string(), tools: z.array(z.string()).optional() }).optional(),
  notes: z.array(z.string()).optional().describe('what the reading assumed or corrected, also appended to the description'),
  bounds: z
    .object({ startAt: z.string().optional(), endAt: z.string().optional(), count: z.number().int().optional() })
    .optional()
    .describe('"starting Friday", "until June", "for 8 weeks", "3 times": the startAt/endAt a create saves (a count is an endAt just after its last run)'),
  lastRun: z.string().optional().describe('when bounded: the last run before endAt'),
  parseId: z.string().optional().describe('send it as `parseId` to POST /api/tasks to save this reading as shown (the text is not read again)'),
  expiresAt: z.string().optional().describe('the parseId is accepted until then'),
  wouldCreate: z.boolean().optional().describe('whether POST /api/tasks would accept this reading now: it applies every rule a create applies (minimum interval, your task quota, at least one run)'),
  refusal: z
    .object({ type: z.string(), detail: z.string(), limit: z.unknown().optional() })
    .optional()
    .describe('when wouldCreate is false: what create would answer (e.g. the MIN_INTERVAL_SECONDS limit)'),
});
