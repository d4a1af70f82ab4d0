import { AppError, LimitError, ServiceUnavailableError, ValidationError } from '../errors.ts';
import { type Task, Task as TaskEntity } from '../models/task.ts';
import { defaultsOf } from '../store/columns.ts';
import { normalizeAfter } from '../store/task-graph.ts';
import type { NewTask } from '../models/task-store.ts';
import type { ScheduleParser } from '../nl-parser/parser.ts';
import {
  checkSpec,
  describeSeconds,
  isValidTimezone,
  minGapSeconds,
  nextFire,
  type ScheduleInput,
  type ScheduleSpec,
  splitZone,
  toSpec,
} from '../scheduler/schedule.ts';
import type { Reading } from '../store/schedule-readings.ts';
import { type CreateTaskBody, cleanName, PLAIN_TASK_FIELDS, type ScheduleInputBody, type UpdateTaskBody } from './schemas.ts';
import { plainFieldsOf, specOf } from './serialize.ts';

export interface InputDeps {
  parser: ScheduleParser;
  minIntervalSeconds: number;
  now: Date;
  signal?: AbortSignal;
  /** The preview reading a create confirms (`parseId`), loaded by the route. */
  reading?: Reading;
  /** The models a task may name (OPENAI_MODELS, with OPENAI_MODEL). */
  models: readonly string[];
  /** The user's locale (Accept-Language), for numeric dates in `text`. */
  locale?: string;
}

export const DEFAULT_TIMEZONE = 'UTC';

function invalid(path: string, message: string): never {
  throw new ValidationError(`${path}: ${message}`, [{ path, message }]);
}

/** Checked before any text is parsed: a refused model must not cost an LLM call first. */
function checkModel(model: string | null | undefined, deps: InputDeps): void {
  if (model === undefined || model === null || deps.models.includes(model)) return;
  invalid('model', `"${model}" is not allowed on this server; allowed: ${deps.models.join(', ')} (OPENAI_MODELS), or null for the server's default`);
}

function checkZone(zone: string, path = 'timezone'): string {
  if (!isValidTimezone(zone)) invalid(path, `unknown IANA timezone "${zone}"`);
  return zone;
}

/** Reads plain English through the parser; a decline becomes a 422 (or 503) carrying its reason. */
async function parseText(text: string, timezone: string, path: string, deps: InputDeps) {
  const outcome = await deps.parser.parse(text, { timezone, now: deps.now, ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.locale ? { locale: deps.locale } : {}) });
  if (!outcome.ok) {
    if (outcome.status === 503) throw new ServiceUnavailableError(outcome.reason);
    throw new AppError(422, 'schedule_not_understood', outcome.reason, { errors: [{ path, message: outcome.reason }], details: { reason: outcome.reason } });
  }
  // The parser's answer is validated exactly like a client's.
  const checked = checkSpec(outcome.schedule, { now: deps.now, rejectPast: true });
  if (!checked.ok) invalid(path, checked.error.message);
  return { spec: checked.value, task: outcome.task, bounds: outcome.bounds, source: outcome.source };
}

/** An explicit schedule (or `{text}`) in a zone as a validated spec; a bad one is a 422 naming its field. */
export async function resolveSchedule(input: ScheduleInputBody, timezone: string, deps: InputDeps): Promise<ScheduleSpec> {
  if (input.text !== undefined) return (await parseText(input.text, timezone, 'schedule.text', deps)).spec;
  const given: ScheduleInput =
    input.cron !== undefined
      ? { cron: input.cron }
      : input.every !== undefined
        ? { every: input.every }
        : input.rrule !== undefined
          ? { rrule: input.rrule, ...(input.dtstart !== undefined ? { dtstart: input.dtstart } : {}) }
          : { at: input.at as string };
  const r = toSpec(given, timezone, { now: deps.now, rejectPast: true });
  if (!r.ok) invalid(r.error.path, r.error.message);
  return r.value;
}

/**
 * The rules a new task's schedule must pass beyond its own validity. Create and the preview both
 * apply them, so a reading the preview shows is one that create accepts.
 */
export function checkNewSchedule(spec: ScheduleSpec, deps: Pick<InputDeps, 'minIntervalSeconds' | 'now'>, b: { startAt: Date | null; endAt: Date | null } = { startAt: null, endAt: null }): Date {
  checkMinInterval(spec, deps);
  // The first fire, which a create keeps as its nextRunAt.
  return nextFire(spec, deps.now, b) ?? neverFires(b);
}

// nextFire stops at the end of year 9999 (src/models/ranges.ts), so a far startAt lands here too.
const neverFires = (b: { startAt: Date | null; endAt: Date | null }): never =>
  invalid('schedule', `never fires ${b.startAt || b.endAt ? 'between startAt and endAt' : 'again'} before the end of year 9999`);

function checkMinInterval(spec: ScheduleSpec, deps: Pick<InputDeps, 'minIntervalSeconds' | 'now'>): void {
  const gap = minGapSeconds(spec, deps.now, deps.minIntervalSeconds);
  if (gap < deps.minIntervalSeconds) {
    throw new LimitError(
      'MIN_INTERVAL_SECONDS',
      `schedule fires ${describeSeconds(gap)}; the minimum on this server is ${describeSeconds(deps.minIntervalSeconds)} (MIN_INTERVAL_SECONDS)`,
    );
  }
}

function bounds(startAt: string | Date | null | undefined, endAt: string | Date | null | undefined) {
  const s = startAt ? new Date(startAt) : null;
  const e = endAt ? new Date(endAt) : null;
  if (s && e && e.getTime() <= s.getTime()) invalid('endAt', 'must be after startAt');
  return { startAt: s, endAt: e };
}

function firstRun(spec: ScheduleSpec, enabled: boolean, b: { startAt: Date | null; endAt: Date | null }, now: Date): Date | null {
  if (!enabled) return null;
  return nextFire(spec, now, b) ?? neverFires(b);
}

/** The schedule column's part of the spec (the zone goes in the timezone column). */
export function storedSchedule(spec: ScheduleSpec): Task['schedule'] {
  return splitZone(spec).schedule;
}

export type NewTaskFields = Omit<NewTask, 'userId'>;

/** The entity's defaults (the one place they are written: src/models/task.ts). */
const D = defaultsOf<Task>(TaskEntity) as Required<Pick<Task, 'waitSeconds' | 'notifyResult' | 'maxAttempts' | 'misfirePolicy' | 'misfireGraceSeconds' | 'overlap' | 'pauseAfterFailures'>>;

/** Turns a create request (explicit fields, `schedule.text`, or a whole chat message) into task fields. */
export async function resolveCreate(body: CreateTaskBody, deps: InputDeps): Promise<NewTaskFields> {
  checkModel(body.model, deps);
  let timezone = checkZone(body.timezone ?? DEFAULT_TIMEZONE);
  let spec: ScheduleSpec | undefined;
  let fromText: { name: string; prompt: string; tools?: string[] } | undefined;
  // "every day at 9 until June": the bounds the text gave, unless the body gives its own.
  let textBounds: { startAt?: string; endAt?: string } | null | undefined;
  if (deps.reading) {
    // The confirmed preview is saved as it was shown: the text is not read again.
    if (body.text !== undefined && body.text !== deps.reading.text) invalid('text', 'differs from the text parseId was read from: send one or the other');
    const checked = checkSpec(deps.reading.spec, { now: deps.now, rejectPast: true });
    if (!checked.ok) invalid('parseId', `the previewed schedule ${checked.error.message}`);
    spec = checked.value;
    fromText = deps.reading.task ?? undefined;
    textBounds = deps.reading.bounds;
  } else if (body.text !== undefined) {
    const parsed = await parseText(body.text, timezone, 'text', deps);
    spec = parsed.spec;
    fromText = parsed.task;
    textBounds = parsed.bounds;
  }
  // Explicit fields win over what the chat message said (`schedule: null`: only after other tasks).
  if (body.schedule !== undefined) {
    spec = body.schedule ? await resolveSchedule(body.schedule, timezone, deps) : undefined;
    textBounds = undefined;
  }
  const after = normalizeAfter(body.after ?? []);
  if (!spec && after.length === 0) invalid('schedule', 'required: give a schedule ({cron}, {every}, {at}, {rrule} or {text}), a text message, a parseId, or the tasks to run after (after)');
  if (spec) {
    // A zone named in the text ("9am Paris time") is part of the schedule's meaning.
    timezone = spec.timezone;
  }

  const prompt = body.prompt ?? fromText?.prompt ?? '';
  // A derived name is held to the rules of a given one: what the text or the model said may carry
  // bidi controls, and a cut at 60 UTF-16 units may split a surrogate pair.
  const name = body.name ?? (cleanName(fromText?.name ?? prompt.trim().slice(0, 60)).trim() || describeForName(spec));
  const b = bounds(body.startAt !== undefined ? body.startAt : textBounds?.startAt, body.endAt !== undefined ? body.endAt : textBounds?.endAt);
  const first = spec ? checkNewSchedule(spec, deps, b) : null;
  const enabled = body.enabled ?? true;
  return {
    ...plainFieldsOf(body),
    name,
    prompt,
    schedule: spec ? storedSchedule(spec) : null,
    after,
    waitSeconds: body.waitSeconds ?? D.waitSeconds,
    notifyResult: body.notifyResult ?? D.notifyResult,
    timezone,
    enabled,
    // "remind me to …" adds the notify tool to whatever tools were asked for.
    tools: [...new Set([...(body.tools ?? []), ...((fromText?.tools ?? []) as NonNullable<CreateTaskBody['tools']>)])],
    maxAttempts: body.maxAttempts ?? D.maxAttempts,
    misfirePolicy: body.misfire?.policy ?? D.misfirePolicy,
    misfireGraceSeconds: body.misfire?.graceSeconds ?? D.misfireGraceSeconds,
    overlap: body.overlap ?? D.overlap,
    pauseAfterFailures: body.pauseAfterFailures ?? D.pauseAfterFailures,
    startAt: b.startAt,
    endAt: b.endAt,
    nextRunAt: enabled ? first : null,
    ...runnerSettings(body, { webhookUrl: null, webhookSecret: null }),
  };
}

/** The per-task runner settings; a webhook is only accepted with a secret to sign its bodies. */
function runnerSettings(body: CreateTaskBody | UpdateTaskBody, current: Pick<Task, 'webhookUrl' | 'webhookSecret'>) {
  const webhookUrl = body.webhookUrl !== undefined ? body.webhookUrl : current.webhookUrl;
  // Dropping the URL drops its secret, so a later URL cannot inherit a secret meant for another endpoint.
  const webhookSecret = webhookUrl === null ? null : body.webhookSecret !== undefined ? body.webhookSecret : current.webhookSecret;
  if (webhookUrl && !webhookSecret) invalid('webhookSecret', 'required with webhookUrl: at least 16 characters, used to sign every delivery');
  return {
    model: body.model ?? null,
    webhookUrl: webhookUrl ?? null,
    webhookSecret: webhookSecret ?? null,
    webhookEvents: body.webhookEvents ? [...new Set(body.webhookEvents)] : null,
    monthlyTokenBudget: body.monthlyTokenBudget ?? null,
  };
}

function describeForName(spec: ScheduleSpec | undefined): string {
  if (!spec) return 'Dependent task';
  return spec.kind === 'once' ? 'One-off task' : 'Scheduled task';
}

/**
 * Applies a partial update to a loaded task; recomputes nextRunAt when timing changed (and says
 * so). `hasDependencies`: whether the task runs after others once this update is saved (a task
 * needs a schedule, dependencies, or both).
 */
export async function applyUpdate(task: Task, body: UpdateTaskBody, deps: InputDeps, hasDependencies: boolean): Promise<boolean> {
  checkModel(body.model, deps);
  let spec = specOf(task);
  const timingChanged =
    body.schedule !== undefined ||
    body.timezone !== undefined ||
    body.startAt !== undefined ||
    body.endAt !== undefined ||
    (body.enabled !== undefined && body.enabled !== task.enabled);
  if (body.schedule) {
    spec = await resolveSchedule(body.schedule, checkZone(body.timezone ?? task.timezone), deps);
    checkMinInterval(spec, deps);
  } else if (body.schedule === null) {
    spec = null;
  } else if (body.timezone !== undefined && spec) {
    const rezoned = checkSpec({ ...spec, timezone: checkZone(body.timezone) }, { now: deps.now });
    if (!rezoned.ok) invalid(rezoned.error.path, rezoned.error.message);
    spec = rezoned.value;
  }
  for (const k of PLAIN_TASK_FIELDS) if (body[k] !== undefined) (task as Record<string, unknown>)[k] = body[k];
  if (body.name !== undefined) task.name = body.name;
  if (body.prompt !== undefined) task.prompt = body.prompt;
  if (body.tools !== undefined) task.tools = body.tools;
  if (body.maxAttempts !== undefined) task.maxAttempts = body.maxAttempts;
  if (body.misfire?.policy !== undefined) task.misfirePolicy = body.misfire.policy;
  if (body.misfire?.graceSeconds !== undefined) task.misfireGraceSeconds = body.misfire.graceSeconds;
  if (body.overlap !== undefined) task.overlap = body.overlap;
  if (body.pauseAfterFailures !== undefined) task.pauseAfterFailures = body.pauseAfterFailures;
  if (body.waitSeconds !== undefined) task.waitSeconds = body.waitSeconds;
  if (body.notifyResult !== undefined) task.notifyResult = body.notifyResult;
  if (!spec && !hasDependencies) invalid('schedule', 'a task needs a schedule, or tasks to run after (after)');
  const runner = runnerSettings(body, task);
  if (body.model !== undefined) task.model = runner.model;
  if (body.monthlyTokenBudget !== undefined) task.monthlyTokenBudget = runner.monthlyTokenBudget;
  task.webhookUrl = runner.webhookUrl;
  task.webhookSecret = runner.webhookSecret;
  if (body.webhookEvents !== undefined) task.webhookEvents = runner.webhookEvents;
  const b = bounds(body.startAt !== undefined ? body.startAt : task.startAt, body.endAt !== undefined ? body.endAt : task.endAt);
  task.startAt = b.startAt;
  task.endAt = b.endAt;
  if (body.enabled !== undefined && body.enabled !== task.enabled) setEnabled(task, body.enabled);
  task.schedule = spec ? storedSchedule(spec) : null;
  task.timezone = spec ? spec.timezone : checkZone(body.timezone ?? task.timezone);
  if (timingChanged) task.nextRunAt = spec ? firstRun(spec, task.enabled, b, deps.now) : null;
  return timingChanged;
}

/** Pause or resume. Resuming starts from now: fires missed while paused are not caught up. */
export function setEnabled(task: Task, enabled: boolean, now?: Date): void {
  task.enabled = enabled;
  if (enabled) {
    task.pausedReason = null;
    task.consecutiveFailures = 0;
    const spec = specOf(task);
    if (now) task.nextRunAt = spec ? nextFire(spec, now, { startAt: task.startAt ?? null, endAt: task.endAt ?? null }) : null;
  } else {
    task.nextRunAt = null;
  }
}
