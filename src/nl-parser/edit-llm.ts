// The LLM half of conversational edits: one forced call of `edit_task`, whose arguments say what
// changes (null: unchanged). The answer becomes a PATCH body that the API validates and applies like
// any client's, so the model can propose nothing a user could not send. Never throws.
import { DateTime } from 'luxon';
import type { ChatCompletion, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import { zodFunction } from 'openai/helpers/zod';
import { z } from 'zod';
import { classifyLlmError, type Llm } from '../llm/client.ts';
import type { ScheduleSpec } from '../scheduler/schedule.ts';
import { SCHEDULE_KINDS, Schedule, scheduleInputOf } from './llm-prompt.ts';
import { NOT_UNDERSTOOD } from './parser.ts';

export const EDIT_TOOL_NAME = 'edit_task';

const EditArgs = z.object({
  schedule: Schedule.nullable().describe('the whole new schedule, or null to keep the current one'),
  timezone: z.string().nullable().describe('a new IANA timezone when the message names one, else null'),
  enabled: z.boolean().nullable().describe('false to pause, true to resume, null to leave as is'),
  startAt: z.string().nullable().describe('no runs before this local date-time (YYYY-MM-DDTHH:mm:ss, task zone); null: unchanged'),
  endAt: z.string().nullable().describe('no runs from this local date-time on (YYYY-MM-DDTHH:mm:ss, task zone); null: unchanged'),
  clear: z.array(z.enum(['startAt', 'endAt'])).describe('bounds to remove; usually empty'),
  name: z.string().nullable().describe('a new title, only when asked'),
  prompt: z.string().nullable().describe('a new instruction, only when asked'),
});
type EditArgs = z.infer<typeof EditArgs>;

const editTool = zodFunction({ name: EDIT_TOOL_NAME, parameters: EditArgs, description: 'Propose the change the user asked for to their task, or decline (schedule.kind "decline").' });

/** The task as the model is shown it. */
export interface EditTaskView {
  name: string;
  prompt: string;
  spec: ScheduleSpec | null;
  description: string | null;
  timezone: string;
  enabled: boolean;
  startAt: Date | null;
  endAt: Date | null;
}

/** A PATCH body, unvalidated: the API checks it like a client's. */
export type LlmPatch = Record<string, unknown>;

export type LlmEditOutcome = { ok: true; patch: LlmPatch } | { ok: false; status: 422 | 503; reason: string };

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function describeTask(t: EditTaskView, now: Date): string {
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: t.timezone }).toFormat("yyyy-LL-dd'T'HH:mm:ss");
  const schedule = !t.spec
    ? 'none (runs after other tasks)'
    : t.spec.kind === 'cron'
      ? `cron "${t.spec.cron}"`
      : t.spec.kind === 'interval'
        ? `every ${t.spec.everySeconds} seconds`
        : t.spec.kind === 'rrule'
          ? `RRULE "${t.spec.rrule}" from ${t.spec.dtstart}`
          : `once at ${local(new Date(t.spec.at))}`;
  return [
    `Now is ${local(now)} in the task's timezone ${t.timezone}.`,
    'The task:',
    `- name: ${JSON.stringify(clip(t.name, 200))}`,
    `- instruction: ${JSON.stringify(clip(t.prompt, 1000))}`,
    `- schedule: ${schedule}${t.description ? ` (${t.description})` : ''}`,
    `- timezone: ${t.timezone}`,
    `- ${t.enabled ? 'active' : 'paused'}`,
    `- startAt: ${t.startAt ? local(t.startAt) : 'none'}; endAt: ${t.endAt ? local(t.endAt) : 'none'}`,
  ].join('\n');
}

function systemPrompt(task: EditTaskView, now: Date): string {
  return `You change one task of a task scheduler as its owner asks in one chat message. Answer only by calling ${EDIT_TOOL_NAME}, once.

${describeTask(task, now)}

Change only what the message asks and give null for everything else. A change of time or days gives the whole new schedule, keeping what the message does not change (e.g. "move it to 10am" on cron "0 9 * * 1-5" → "0 10 * * 1-5"). "Pause until Monday" keeps the task active and sets startAt to Monday 00:00; "stop after March" sets endAt to April 1 00:00. Decline with schedule.kind "decline" when the message asks for something else or is unclear.

"schedule", when it changes, is exactly one of:
${SCHEDULE_KINDS}`;
}

/** The model's arguments as a PATCH body: local times become instants in the task zone. */
function toPatch(args: EditArgs, zone: string): LlmPatch | string {
  const patch: LlmPatch = {};
  const s = args.schedule;
  if (s) {
    if (s.kind === 'decline') return s.explanation.trim() || NOT_UNDERSTOOD;
    patch.schedule = scheduleInputOf(s);
  }
  const tz = args.timezone?.trim() || null;
  if (tz && tz !== zone) patch.timezone = tz;
  if (args.enabled !== null) patch.enabled = args.enabled;
  for (const key of ['startAt', 'endAt'] as const) {
    const v = args[key];
    if (args.clear.includes(key)) patch[key] = null;
    else if (v !== null) {
      const d = DateTime.fromISO(v, { zone: tz ?? zone });
      if (!d.isValid) return `the model gave an unreadable ${key} "${clip(v, 40)}"`;
      patch[key] = d.toISO();
    }
  }
  if (args.name?.trim()) patch.name = args.name.trim();
  if (args.prompt !== null) patch.prompt = args.prompt;
  return Object.keys(patch).length ? patch : NOT_UNDERSTOOD;
}

/** Reads an edit with the model; `reason` on failure is for the user. */
export async function editWithLlm(text: string, task: EditTaskView, now: Date, deps: { llm: Llm; signal?: AbortSignal }): Promise<LlmEditOutcome> {
  const { llm } = deps;
  if (!llm.configured) return { ok: false, status: 422, reason: NOT_UNDERSTOOD };
  const timer = AbortSignal.timeout(llm.timeoutMs);
  const signal = deps.signal ? AbortSignal.any([deps.signal, timer]) : timer;
  let completion: ChatCompletion;
  try {
    completion = await llm.client.chat.completions.create(
      {
        model: llm.model,
        messages: [
          { role: 'system', content: systemPrompt(task, now) },
          { role: 'user', content: clip(text.trim(), 2000) },
        ],
        tools: [editTool],
        tool_choice: { type: 'function', function: { name: EDIT_TOOL_NAME } },
      },
      { signal, timeout: llm.timeoutMs, maxRetries: 0 },
    );
  } catch (err) {
    const info = classifyLlmError(err);
    return { ok: false, status: 503, reason: timer.aborted ? 'the language model did not answer in time' : info.message };
  }
  try {
    const msg = Array.isArray(completion?.choices) ? completion.choices[0]?.message : undefined;
    if (typeof msg?.refusal === 'string' && msg.refusal !== '') return { ok: false, status: 422, reason: `the language model refused: ${clip(msg.refusal, 300)}` };
    const call = (msg?.tool_calls ?? []).find(
      (c): c is ChatCompletionMessageFunctionToolCall => c?.type === 'function' && c.function?.name === EDIT_TOOL_NAME && typeof c.function.arguments === 'string',
    );
    if (!call) return { ok: false, status: 422, reason: NOT_UNDERSTOOD };
    const parsed = EditArgs.safeParse(JSON.parse(call.function.arguments));
    if (!parsed.success) return { ok: false, status: 422, reason: `${NOT_UNDERSTOOD} (the language model's answer did not fit the edit: ${clip(z.prettifyError(parsed.error), 300)})` };
    const patch = toPatch(parsed.data, task.timezone);
    return typeof patch === 'string' ? { ok: false, status: 422, reason: patch } : { ok: true, patch };
  } catch (err) {
    // Unparseable arguments and any other surprise in the body: a decline, never a crash.
    return { ok: false, status: 422, reason: `${NOT_UNDERSTOOD} (the language model's answer was unreadable: ${clip(String((err as Error)?.message ?? err), 200)})` };
  }
}
