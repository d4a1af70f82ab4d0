// The limits of one run, and the failures that name them. A bound crossed ends the run `failed`
// and is not retried (another attempt would cross it again); the monthly budget also pauses the task.
import type { ExecutionError } from '../models/execution.ts';
import { MONTHLY_BUDGET_PAUSE } from '../models/task.ts';
import type { RunUsage } from '../scheduler/runner-port.ts';

export interface RunBounds {
  /** LLM calls per run (RUN_MAX_STEPS). */
  maxSteps: number;
  /** Wall time per run (RUN_TIMEOUT_SECONDS). */
  timeoutMs: number;
  /** Prompt + completion tokens per run (RUN_MAX_TOKENS). */
  maxTokens: number;
  /** The task's monthly budget and what its other runs used this month; null without a budget. */
  monthly: { budget: number; used: number } | null;
}

export interface BoundFailure {
  error: ExecutionError;
  pauseTask?: string;
}

export const tokensOf = (u: RunUsage) => u.promptTokens + u.completionTokens;

export function stepLimit(b: RunBounds): BoundFailure {
  return {
    error: { type: 'step_limit', message: `the run used its ${b.maxSteps} steps (RUN_MAX_STEPS) without reaching a final answer` },
  };
}

export function timeLimit(timeoutMs: number): BoundFailure {
  return { error: { type: 'run_timeout', message: `the run did not finish within ${timeoutMs / 1000} s (RUN_TIMEOUT_SECONDS)` } };
}

function monthly(b: RunBounds, usage: RunUsage, before: boolean): BoundFailure | null {
  if (!b.monthly) return null;
  const total = b.monthly.used + tokensOf(usage);
  // Before a call, reaching the budget is enough: the call would exceed it.
  if (before ? total < b.monthly.budget : total <= b.monthly.budget) return null;
  const reason = `${MONTHLY_BUDGET_PAUSE} ${total} of ${b.monthly.budget} tokens used this month`;
  return { error: { type: 'budget_exhausted', message: `${reason}; the task is paused until its budget is raised or it is resumed` }, pauseTask: reason };
}

/** Checked before each LLM call: would it start past a bound? */
export function checkBefore(b: RunBounds, usage: RunUsage): BoundFailure | null {
  if (usage.llmCalls >= b.maxSteps) return stepLimit(b);
  if (tokensOf(usage) >= b.maxTokens) return tokenLimit(b, usage);
  return monthly(b, usage, true);
}

/**
 * The most tokens the next reply may have: what is left of the monthly budget. Sent as
 * max_completion_tokens, so a run ends over its budget by at most the last call's prompt (which is
 * not known before the call) instead of by a whole long reply. Undefined without a budget: some
 * OpenAI-compatible servers reject the field, so only tasks that asked for a budget send it.
 */
export function completionCap(b: RunBounds, usage: RunUsage): number | undefined {
  if (!b.monthly) return undefined;
  return Math.max(1, b.monthly.budget - b.monthly.used - tokensOf(usage));
}

/** Checked after each LLM call: did its tokens cross a budget? */
export function checkAfter(b: RunBounds, usage: RunUsage): BoundFailure | null {
  if (tokensOf(usage) > b.maxTokens) return tokenLimit(b, usage);
  return monthly(b, usage, false);
}

function tokenLimit(b: RunBounds, usage: RunUsage): BoundFailure {
  return { error: { type: 'token_limit', message: `the run used ${tokensOf(usage)} tokens, over its budget of ${b.maxTokens} (RUN_MAX_TOKENS)` } };
}
