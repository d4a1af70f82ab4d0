// The tool loop: ask the model, run the tools it calls (in parallel), give it their results, and
// repeat until it answers or a bound is crossed. Every LLM call and tool call becomes a step.
import type OpenAI from 'openai';
import type { ChatCompletionMessage, ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import type { ChatSender } from '../llm/chat.ts';
import type { ExecutionError } from '../models/execution.ts';
import type { RunUsage } from '../scheduler/runner-port.ts';
import { type BoundFailure, checkAfter, checkBefore, completionCap, type RunBounds } from './bounds.ts';
import { callLlm } from './llm-call.ts';
import type { StepLog } from './steps.ts';
import { ABORTED, untilAborted } from './signal.ts';
import { pgText, truncate } from './text.ts';
import { executeToolCall, type ToolCallOutcome } from './tool-call.ts';
import type { Tool, ToolContext } from './tools/types.ts';

/** Parallel calls run per step at most; the rest are answered with an error. */
export const MAX_TOOL_CALLS_PER_STEP = 8;

export interface LoopInput {
  client: OpenAI;
  /** The lean chat sender of the run's LLM (src/llm/chat.ts). */
  chat?: ChatSender | null;
  model: string;
  /** Per-request timeout of the LLM client (OPENAI_TIMEOUT_MS). */
  requestTimeoutMs: number;
  messages: ChatCompletionMessageParam[];
  tools: ReadonlyMap<string, Tool>;
  toolCtx: ToolContext;
  steps: StepLog;
  bounds: RunBounds;
  /** Mutated in place, so the caller reads the usage whatever way the loop ends. */
  usage: RunUsage;
  /** The clock's time (ms since the epoch, as `now()`) past which the run has no time left. */
  deadline: number;
  /** Fires on cancel and when the run's time is up. */
  signal: AbortSignal;
  now: () => Date;
  /** RunRequest.fence: awaited before each LLM request; false means the run was lost to another replica. */
  fence?: () => Promise<boolean>;
}

export type LoopEnd =
  | { kind: 'answer'; output: string }
  | { kind: 'failed'; error: ExecutionError; transient: boolean; pauseTask?: string }
  /** The signal fired; the runner knows whether it was a cancel or the time limit. */
  | { kind: 'interrupted' };

const bound = (f: BoundFailure): LoopEnd => ({ kind: 'failed', error: f.error, transient: false, ...(f.pauseTask ? { pauseTask: f.pauseTask } : {}) });

/** The final message as the run's result, or why it is not one. */
function finalAnswer(message: ChatCompletionMessage, finishReason: string): LoopEnd {
  const content = typeof message.content === 'string' ? message.content.trim() : '';
  if (message.refusal) return { kind: 'failed', error: { type: 'refused', message: `the model refused: ${truncate(message.refusal, 500)}` }, transient: false };
  if (finishReason === 'length') return { kind: 'failed', error: { type: 'output_truncated', message: 'the model hit its output length limit before finishing its answer' }, transient: false };
  if (finishReason === 'content_filter') return { kind: 'failed', error: { type: 'content_filter', message: "the model's answer was withheld by its content filter" }, transient: false };
  if (content === '') return { kind: 'failed', error: { type: 'malformed_response', message: 'the model replied with neither an answer nor a tool call' }, transient: false };
  return { kind: 'answer', output: pgText(content) };
}

async function runTools(calls: ChatCompletionMessageToolCall[], input: LoopInput): Promise<ToolCallOutcome[]> {
  return await Promise.all(
    calls.map((call, i) => {
      if (i < MAX_TOOL_CALLS_PER_STEP) return executeToolCall(call, input.tools, input.toolCtx, input.now);
      const error = `too many tool calls in one step: at most ${MAX_TOOL_CALLS_PER_STEP} run, this one was skipped`;
      const name = call.type === 'function' ? call.function.name : call.custom.name;
      return Promise.resolve({ content: `Error: ${error}`, data: { name, callId: call.id, arguments: null, result: null, error }, startedAt: input.now(), durationMs: 0 });
    }),
  );
}

/** Runs the loop to its end; the caller flushes the steps. Never throws for model or tool behaviour. */
export async function runLoop(input: LoopInput): Promise<LoopEnd> {
  const { usage, bounds, steps, signal } = input;
  const toolDefs = [...input.tools.values()].map((t) => t.definition);
  for (;;) {
    const before = checkBefore(bounds, usage);
    if (before) return bound(before);
    if (signal.aborted) return { kind: 'interrupted' };

    // The engine's fence: a replica that lost this run (taken over while slow) sends nothing more.
    if (input.fence && !(await input.fence())) return { kind: 'interrupted' };
    if (signal.aborted) return { kind: 'interrupted' };
    const startedAt = input.now();
    const t0 = performance.now();
    const remaining = input.deadline - startedAt.getTime();
    const cap = completionCap(bounds, usage);
    const reply = await callLlm({
      client: input.client,
      chat: input.chat,
      model: input.model,
      messages: input.messages,
      tools: toolDefs,
      ...(cap === undefined ? {} : { maxCompletionTokens: cap }),
      timeoutMs: Math.min(input.requestTimeoutMs, Math.ceil(remaining)),
      signal,
    });
    const latencyMs = Math.round(performance.now() - t0);
    usage.llmCalls++;
    if (!reply.ok) {
      steps.add('llm', startedAt, latencyMs, { model: input.model, latencyMs, finishReason: null, promptTokens: 0, completionTokens: 0, error: { type: reply.error.type, message: reply.error.message } });
      if (signal.aborted) return { kind: 'interrupted' };
      return { kind: 'failed', error: { type: reply.error.type, message: reply.error.message }, transient: reply.error.transient };
    }
    usage.promptTokens += reply.promptTokens;
    usage.completionTokens += reply.completionTokens;
    const calls = reply.message.tool_calls ?? [];
    steps.add('llm', startedAt, latencyMs, {
      model: reply.model,
      latencyMs,
      finishReason: reply.finishReason,
      promptTokens: reply.promptTokens,
      completionTokens: reply.completionTokens,
      toolCalls: calls.length,
      ...(reply.estimated ? { tokensEstimated: true } : {}),
    });
    steps.flushSoon();
    const after = checkAfter(bounds, usage);
    if (after) return bound(after);
    if (calls.length === 0) return finalAnswer(reply.message, reply.finishReason);

    // Only what the API needs goes back: the assistant's text and its calls.
    input.messages.push({ role: 'assistant', content: reply.message.content ?? null, tool_calls: calls });
    usage.toolCalls += calls.length;
    const outcomes = await untilAborted(runTools(calls, input), signal);
    if (outcomes === ABORTED) return { kind: 'interrupted' };
    for (const [i, o] of outcomes.entries()) {
      steps.add('tool', o.startedAt, o.durationMs, o.data);
      input.messages.push({ role: 'tool', tool_call_id: (calls[i] as ChatCompletionMessageToolCall).id, content: o.content });
    }
    steps.flushSoon();
  }
}
