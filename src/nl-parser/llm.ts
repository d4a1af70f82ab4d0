// The LLM half of the parser: one forced function call, its arguments validated exactly like user
// input, one repair round that feeds the validation error back. Every outcome is a value; it never throws.
import type { ChatCompletion, ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { classifyLlmError, type Llm, type LlmErrorType } from '../llm/client.ts';
import { isValidTimezone, type ScheduleInput, type ScheduleSpec, toSpec } from '../scheduler/schedule.ts';
import { repairPrompt, SCHEDULE_TOOL_NAME, ScheduleArgs, scheduleInputOf, scheduleTool, systemPrompt } from './llm-prompt.ts';

// Types live here, not in types.ts (owned by the rules parser), to keep the two halves independent;
// `LlmTask` has the same shape as its `ParsedTask`.
export interface LlmTask {
  name: string;
  prompt: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Why the LLM path gave no schedule: a decline kind, a validation failure, or an LLM error type. */
export type LlmFailureCode =
  | 'not_configured'
  | 'bad_input'
  | 'not_a_schedule'
  | 'ambiguous'
  | 'impossible'
  | 'refused'
  | 'no_schedule'
  | 'invalid_schedule'
  | 'malformed_response'
  | LlmErrorType;

/**
 * `reason` is for the user; `detail` (the upstream error text) is for logs only.
 * 422: the text could not be read as a schedule (declined, refused, invalid after repair).
 * 503: the language model is unavailable (network, timeout, 429, 5xx, credentials, model not found).
 * `roundTrips` counts chat requests sent: 1, or 2 with a repair.
 */
export type LlmOutcome =
  | { ok: true; schedule: ScheduleSpec; task?: LlmTask; source: 'llm'; roundTrips: number; usage: LlmUsage }
  | { ok: false; status: 422 | 503; code: LlmFailureCode; reason: string; detail?: string; roundTrips: number; usage: LlmUsage };

export interface LlmParseOptions {
  timezone: string;
  /** The reference instant for relative phrases and for "is it in the past". */
  now: Date;
}

export interface LlmParseDeps {
  llm: Llm;
  /** Cancels the whole parse (e.g. the HTTP client went away). */
  signal?: AbortSignal;
  /** Bound on the whole parse, repair included. Default: the client's configured timeout. */
  timeoutMs?: number;
}

import { NOT_UNDERSTOOD } from './parser.ts';

export { NOT_UNDERSTOOD };

// A schedule phrase plus an instruction fits easily; anything longer costs tokens for nothing.
const MAX_TEXT_CHARS = 4000;
const MAX_NAME_CHARS = 120;
const MAX_ROUND_TRIPS = 2;

type Verdict =
  | { kind: 'ok'; schedule: ScheduleSpec; task?: LlmTask }
  | { kind: 'fail'; status: 422 | 503; code: LlmFailureCode; reason: string }
  | { kind: 'repair'; call: ChatCompletionMessageFunctionToolCall; problem: string };

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Reads a schedule (and an optional task) from free text with the language model. */
export async function parseWithLlm(text: string, opts: LlmParseOptions, deps: LlmParseDeps): Promise<LlmOutcome> {
  const usage: LlmUsage = { promptTokens: 0, completionTokens: 0 };
  let roundTrips = 0;
  const fail = (status: 422 | 503, code: LlmFailureCode, reason: string, detail?: string): LlmOutcome => ({
    ok: false,
    status,
    code,
    reason,
    ...(detail === undefined ? {} : { detail }),
    roundTrips,
    usage,
  });

  const { llm } = deps;
  if (!llm.configured) return fail(422, 'not_configured', NOT_UNDERSTOOD);
  if (!isValidTimezone(opts.timezone)) return fail(422, 'bad_input', `unknown IANA timezone "${opts.timezone}"`);
  const message = text.trim();
  if (message === '') return fail(422, 'bad_input', NOT_UNDERSTOOD);
  if (message.length > MAX_TEXT_CHARS) return fail(422, 'bad_input', `the text is too long to read as a schedule (at most ${MAX_TEXT_CHARS} characters)`);

  // One deadline for the whole parse: the signal aborts whatever request is in flight, and each
  // request's own SDK timeout is what is left of it.
  const timeoutMs = deps.timeoutMs ?? llm.timeoutMs;
  const deadline = performance.now() + timeoutMs;
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = deps.signal ? AbortSignal.any([deps.signal, timer]) : timer;

  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: systemPrompt(opts.timezone, opts.now) },
    { role: 'user', content: message },
  ];
  try {
    for (;;) {
      const remaining = Math.ceil(deadline - performance.now());
      if (remaining <= 0 || timer.aborted) return fail(503, 'timeout', 'the language model did not answer in time');
      roundTrips++;
      let completion: ChatCompletion;
      try {
        completion = await llm.client.chat.completions.create(
          {
            model: llm.model,
            messages,
            tools: [scheduleTool],
            tool_choice: { type: 'function', function: { name: SCHEDULE_TOOL_NAME } },
            // No temperature or parallel_tool_calls: some models reject them, and a forced single
            // function makes them moot (extra calls are ignored below).
          },
          { signal, timeout: remaining, maxRetries: 0 },
        );
      } catch (err) {
        const info = classifyLlmError(err);
        // Our own deadline reaches the SDK as an abort of the caller's signal.
        if (info.type === 'aborted' && timer.aborted && !deps.signal?.aborted) return fail(503, 'timeout', 'the language model did not answer in time');
        return fail(503, info.type, info.message, info.detail);
      }
      usage.promptTokens += completion?.usage?.prompt_tokens ?? 0;
      usage.completionTokens += completion?.usage?.completion_tokens ?? 0;

      const verdict = judge(completion, opts);
      if (verdict.kind === 'ok') {
        return { ok: true, schedule: verdict.schedule, ...(verdict.task ? { task: verdict.task } : {}), source: 'llm', roundTrips, usage };
      }
      if (verdict.kind === 'fail') return fail(verdict.status, verdict.code, verdict.reason);
      if (roundTrips >= MAX_ROUND_TRIPS) {
        return fail(422, 'invalid_schedule', `${NOT_UNDERSTOOD} (the language model's answer was invalid: ${clip(verdict.problem, 300)})`);
      }
      // Only the call we answer goes back: every tool call in an assistant message needs a reply.
      messages.push(
        { role: 'assistant', content: null, tool_calls: [verdict.call] },
        { role: 'tool', tool_call_id: verdict.call.id, content: repairPrompt(verdict.problem) },
      );
    }
  } catch (err) {
    // Nothing above should throw; if something does, the caller still gets an outcome, not a crash.
    return fail(503, 'unknown', 'the language model call failed unexpectedly', String((err as Error)?.stack ?? err));
  }
}

/** Reads one completion: a valid schedule, a final failure, or a problem worth one repair round. */
function judge(completion: ChatCompletion, opts: LlmParseOptions): Verdict {
  // The body is whatever the server sent: check the shape before trusting the SDK's types.
  if (typeof completion !== 'object' || completion === null || !Array.isArray(completion.choices)) {
    return { kind: 'fail', status: 503, code: 'malformed_response', reason: 'the language model returned an unreadable response; try again shortly' };
  }
  const choice = completion.choices[0];
  const msg = choice?.message;
  if (!msg) return { kind: 'fail', status: 422, code: 'no_schedule', reason: NOT_UNDERSTOOD };
  if (typeof msg.refusal === 'string' && msg.refusal !== '') return { kind: 'fail', status: 422, code: 'refused', reason: `the language model refused: ${clip(msg.refusal, 300)}` };
  if (choice.finish_reason === 'content_filter') return { kind: 'fail', status: 422, code: 'refused', reason: "the language model's content filter blocked the answer" };

  const calls = (msg.tool_calls ?? []).filter((c): c is ChatCompletionMessageFunctionToolCall => c?.type === 'function' && typeof c.function?.name === 'string' && typeof c.function.arguments === 'string');
  const call = calls.find((c) => c.function.name === SCHEDULE_TOOL_NAME) ?? calls[0];
  // tool_choice forces the call, so a model that answers in prose anyway would most likely do it again:
  // no repair round for this one.
  if (!call) return { kind: 'fail', status: 422, code: 'no_schedule', reason: NOT_UNDERSTOOD };
  // A repaired call must carry an id the tool message can refer to.
  const replay: ChatCompletionMessageFunctionToolCall = { id: typeof call.id === 'string' && call.id !== '' ? call.id : 'call_0', type: 'function', function: { name: call.function.name, arguments: call.function.arguments } };
  const repair = (problem: string): Verdict => ({ kind: 'repair', call: replay, problem });

  if (call.function.name !== SCHEDULE_TOOL_NAME) return repair(`unknown function "${clip(call.function.name, 60)}"; call ${SCHEDULE_TOOL_NAME}`);
  let raw: unknown;
  try {
    raw = JSON.parse(call.function.arguments);
  } catch (err) {
    const cut = choice.finish_reason === 'length' ? ' (the answer was cut off)' : '';
    return repair(`the arguments are not valid JSON${cut}: ${(err as Error).message}`);
  }
  const parsed = ScheduleArgs.safeParse(raw);
  if (!parsed.success) return repair(`the arguments do not match the function's schema:\n${z.prettifyError(parsed.error)}`);
  const args = parsed.data;

  const s = args.schedule;
  if (s.kind === 'decline') {
    const why = s.explanation.trim() === '' ? NOT_UNDERSTOOD : clip(s.explanation.trim(), 300);
    return { kind: 'fail', status: 422, code: s.reason, reason: why };
  }
  const input: ScheduleInput = scheduleInputOf(s);
  const zone = args.timezone?.trim() || opts.timezone;
  const spec = toSpec(input, zone, { now: opts.now, rejectPast: true });
  if (!spec.ok) {
    // Name the field as the model knows it (toSpec speaks the API's `every`).
    const path = spec.error.path === 'schedule.every' ? 'schedule.everySeconds' : spec.error.path;
    return repair(`${path}: ${spec.error.message}`);
  }
  return { kind: 'ok', schedule: spec.value, ...taskFrom(args.task) };
}

/** Keeps a task only when it has an instruction; a missing or overlong title is derived, not repaired. */
function taskFrom(task: ScheduleArgs['task']): { task?: LlmTask } {
  const prompt = task?.prompt.trim() ?? '';
  if (prompt === '') return {};
  const name = clip((task?.name.trim() || prompt).replace(/\s+/g, ' '), MAX_NAME_CHARS);
  return { task: { name, prompt } };
}
