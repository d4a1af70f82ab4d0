import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { zodFunction } from 'openai/helpers/zod';
import type { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Database } from '../../models/db.ts';
import type { RunRequest } from '../../scheduler/runner-port.ts';
import type { TaskSnapshot } from '../context.ts';
import type { GuardOptions } from '../http/client.ts';
import type { ToolName } from './names.ts';

/** What every tool may use: infrastructure, not per-run state. */
export interface ToolEnv {
  db: Database;
  clock: Clock;
  logger: Logger;
  config: Config;
  /** The SSRF-guarded HTTP client's dependencies and allowlist (http_fetch and webhooks). */
  http: GuardOptions;
}

/** One run as a tool sees it. Server-side only: nothing here is shown to the model unless a tool returns it. */
export interface ToolContext {
  env: ToolEnv;
  task: TaskSnapshot;
  execution: RunRequest['execution'];
  /** Aborted on cancel or when the run's time is up. */
  signal: AbortSignal;
  /** This run's view of the task memory: loaded at start, plus its own writes. */
  memory: Map<string, string>;
  /** Counters a tool keeps across its calls within one run (e.g. reminders created). */
  counters: Map<string, number>;
  /**
   * The text of the task's last notification as this run's notify calls see it, in call order:
   * undefined until it is needed and read from the database, null when there is none.
   */
  lastNotification: Promise<string | null | undefined>;
}

export interface Tool<A = unknown> {
  name: ToolName;
  /** Validates the model's arguments; failures go back to the model as an error message. */
  schema: z.ZodType<A>;
  /** The function definition sent to the model, built once from the schema (strict JSON schema). */
  definition: ChatCompletionFunctionTool;
  /** True when this call would change something outside the run; a dry run stubs it. */
  sideEffect(args: A): boolean;
  /** What a dry run answers instead of acting: a record of what would have happened. */
  dryRun(args: A, ctx: ToolContext): unknown;
  run(args: A, ctx: ToolContext): Promise<unknown>;
}

export interface ToolSpec<A> {
  name: ToolName;
  description: string;
  /**
   * An object schema. Only keywords OpenAI's strict mode accepts reach the model (types, enums,
   * nullability); lengths and patterns are `.refine()` checks, applied when the arguments arrive.
   */
  parameters: z.ZodType<A>;
  sideEffect?: (args: A) => boolean;
  dryRun?: (args: A, ctx: ToolContext) => unknown;
  run(args: A, ctx: ToolContext): Promise<unknown>;
}

/**
 * Builds a tool from its zod schema; the JSON schema is derived once, here. The argument type is
 * erased in the result: the loop only calls `run` with what `schema` parsed, so it always fits.
 */
export function defineTool<A>(spec: ToolSpec<A>): Tool {
  const fn = zodFunction({ name: spec.name, description: spec.description, parameters: spec.parameters as never }).function;
  // A plain copy: only what the chat API expects goes over the wire.
  const definition: ChatCompletionFunctionTool = {
    type: 'function',
    function: { name: fn.name, description: fn.description ?? spec.description, parameters: fn.parameters ?? {}, strict: true },
  };
  const tool: Tool<A> = {
    name: spec.name,
    schema: spec.parameters,
    definition,
    sideEffect: spec.sideEffect ?? (() => false),
    dryRun: spec.dryRun ?? ((args: A) => ({ dryRun: true, wouldHaveCalled: spec.name, arguments: args })),
    run: spec.run,
  };
  return Object.freeze(tool) as unknown as Tool;
}

/** A refinement for strings whose limit must not appear in the JSON schema (strict mode rejects maxLength). */
export const atMost = (n: number) => [(s: string) => s.length <= n, `must be at most ${n} characters`] as const;
