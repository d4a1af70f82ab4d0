import { actionJson } from '../actions/action.ts';
import type { Execution } from '../models/execution.ts';
import type { ExecutionStep } from '../models/execution-step.ts';
import { RUN_WEBHOOK_EVENTS, type Task } from '../models/task.ts';
import { describe, type ScheduleSpec, withZone } from '../scheduler/schedule.ts';
import { PLAIN_TASK_FIELDS } from './schemas.ts';

type PlainTaskField = (typeof PLAIN_TASK_FIELDS)[number];

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The task's schedule with its zone; null for a task that only runs after others. */
export function specOf(task: Pick<Task, 'schedule' | 'timezone'>): ScheduleSpec | null {
  return task.schedule ? withZone(task.schedule, task.timezone) : null;
}

export function scheduleJson(spec: ScheduleSpec) {
  return { ...spec, description: describe(spec) };
}

/**
 * Active, paused, or completed: a disabled task that nobody paused (no reason) and whose schedule
 * is over — a one-off that ran, or a task past its endAt — is done, not paused, and resuming it
 * would have nothing to run.
 */
export function taskState(t: Pick<Task, 'enabled' | 'pausedReason' | 'schedule' | 'lastRunAt' | 'endAt'>, now = Date.now()): 'active' | 'paused' | 'completed' {
  if (t.enabled) return 'active';
  if (t.pausedReason || !t.schedule) return 'paused';
  const s = t.schedule as { kind: string; at?: string };
  const ranOnce = s.kind === 'once' && t.lastRunAt != null && s.at !== undefined && t.lastRunAt.getTime() >= Date.parse(s.at);
  const ended = t.endAt != null && t.endAt.getTime() <= now;
  return ranOnce || ended ? 'completed' : 'paused';
}

/** A task as the API shows it; `after` lives in task_dependencies, so the caller passes it. */
/** The task's plain fields (schemas.ts plainTaskFields), null when unset. */
export function plainFieldsOf(t: Partial<Record<PlainTaskField, unknown>>): { [K in PlainTaskField]: Task[K] | null } {
  const out = {} as Record<string, unknown>;
  for (const k of PLAIN_TASK_FIELDS) out[k] = t[k] ?? null;
  return out as { [K in PlainTaskField]: Task[K] | null };
}

/**
 * A page from a read of `limit + 1` rows, newest first: the extra row only says that a next page
 * exists, whose cursor is the last id shown.
 */
export function pageOf<R extends { id: string }, J>(rows: readonly R[], limit: number, toJson: (r: R) => J): { items: J[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items: items.map(toJson), nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

export function taskJson(t: Task, after: readonly string[]) {
  const spec = specOf(t);
  return {
    ...plainFieldsOf(t),
    id: t.id,
    name: t.name,
    prompt: t.prompt,
    schedule: spec ? scheduleJson(spec) : null,
    timezone: t.timezone,
    enabled: t.enabled,
    state: taskState(t),
    tools: t.tools,
    maxAttempts: t.maxAttempts,
    misfire: { policy: t.misfirePolicy, graceSeconds: t.misfireGraceSeconds },
    overlap: t.overlap,
    startAt: iso(t.startAt),
    endAt: iso(t.endAt),
    pauseAfterFailures: t.pauseAfterFailures,
    consecutiveFailures: t.consecutiveFailures,
    pausedReason: t.pausedReason ?? null,
    model: t.model ?? null,
    webhookUrl: t.webhookUrl ?? null,
    // The secret itself never leaves the server: clients learn only whether deliveries are signed.
    webhookConfigured: Boolean(t.webhookUrl && t.webhookSecret),
    webhookEvents: t.webhookEvents ?? [...RUN_WEBHOOK_EVENTS],
    monthlyTokenBudget: t.monthlyTokenBudget ?? null,
    after: [...after],
    waitSeconds: t.waitSeconds,
    action: actionJson(t.action),
    notifyResult: t.notifyResult,
    nextRunAt: iso(t.nextRunAt),
    lastRunAt: iso(t.lastRunAt),
    lastStatus: t.lastStatus ?? null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** The fields a client sees of an execution (an entity, or a row written with plain SQL). */
export type ExecutionFields = Pick<
  Execution,
  | 'id' | 'taskId' | 'status' | 'trigger' | 'attempt' | 'scheduledFor' | 'startedAt' | 'finishedAt' | 'output' | 'error'
  | 'promptTokens' | 'completionTokens' | 'llmCalls' | 'toolCalls' | 'dryRun' | 'satisfiedBy' | 'waitUntil'
>;

export function executionJson(e: ExecutionFields) {
  return {
    id: e.id,
    taskId: e.taskId,
    status: e.status,
    trigger: e.trigger,
    attempt: e.attempt,
    scheduledFor: e.scheduledFor.toISOString(),
    startedAt: iso(e.startedAt),
    finishedAt: iso(e.finishedAt),
    durationMs: e.startedAt && e.finishedAt ? e.finishedAt.getTime() - e.startedAt.getTime() : null,
    output: e.output ?? null,
    error: e.error ?? null,
    usage: { promptTokens: e.promptTokens, completionTokens: e.completionTokens, llmCalls: e.llmCalls, toolCalls: e.toolCalls },
    dryRun: e.dryRun,
    satisfiedBy: e.satisfiedBy ?? null,
    waitUntil: iso(e.waitUntil),
  };
}

export function stepJson(s: ExecutionStep) {
  return { ...s.data, index: s.index, kind: s.kind, startedAt: s.startedAt.toISOString(), durationMs: s.durationMs };
}
