// One tool call from the model, executed defensively: whatever goes wrong (an unknown tool,
// arguments that are not JSON or fail the schema, a tool that throws) becomes an error message
// the model reads, and the run goes on. Nothing here throws.
import type { ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import type { z } from 'zod';
import { STEP_TEXT_CHARS } from './steps.ts';
import { asText, truncate } from './text.ts';
import type { Tool, ToolContext } from './tools/types.ts';

/** What the model reads of a tool's result at most (~4k tokens): a page's full text would swamp it. */
export const MODEL_RESULT_CHARS = 16_000;

export interface ToolCallOutcome {
  /** The tool message content for the model. */
  content: string;
  /** The step's data (API.md: name, arguments, result, error). */
  data: Record<string, unknown>;
  startedAt: Date;
  durationMs: number;
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}

/** A thrown error as one line the model may read: its message, never a stack. */
function describeError(err: unknown): string {
  if (err instanceof Error) return truncate(err.message || err.name, 500);
  return truncate(String(err), 500);
}

function stepArguments(raw: string, parsed: unknown): unknown {
  if (parsed === undefined || raw.length > STEP_TEXT_CHARS) return truncate(raw, STEP_TEXT_CHARS);
  return parsed;
}

/** Runs one call; `tools` holds only the tools this task may use. */
export async function executeToolCall(call: ChatCompletionMessageToolCall, tools: ReadonlyMap<string, Tool>, ctx: ToolContext, now: () => Date): Promise<ToolCallOutcome> {
  const startedAt = now();
  const t0 = performance.now();
  const name = call.type === 'function' ? call.function.name : call.custom.name;
  const raw = call.type === 'function' ? call.function.arguments : call.custom.input;
  let parsed: unknown;
  const done = (content: string, fields: { result?: unknown; error?: string; dryRun?: boolean }): ToolCallOutcome => ({
    content: truncate(content, MODEL_RESULT_CHARS),
    data: {
      name,
      callId: call.id,
      arguments: stepArguments(raw, parsed),
      result: fields.result === undefined ? null : truncate(asText(fields.result), STEP_TEXT_CHARS),
      error: fields.error ?? null,
      ...(fields.dryRun ? { dryRun: true } : {}),
    },
    startedAt,
    durationMs: performance.now() - t0,
  });
  const fail = (error: string) => done(`Error: ${error}`, { error });

  const tool = call.type === 'function' ? tools.get(name) : undefined;
  if (!tool) {
    const available = [...tools.keys()];
    return fail(`unknown tool "${truncate(name, 64)}"; ${available.length ? `the tools available are ${available.join(', ')}` : 'no tools are available in this run'}`);
  }
  try {
    parsed = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    return fail(`the arguments are not valid JSON (${describeError(err)}); call ${name} again with a JSON object`);
  }
  const args = tool.schema.safeParse(parsed);
  if (!args.success) return fail(`invalid arguments for ${name}: ${issues(args.error)}`);
  try {
    if (ctx.execution.dryRun && tool.sideEffect(args.data)) {
      const stub = tool.dryRun(args.data, ctx);
      return done(asText(stub), { result: stub, dryRun: true });
    }
    const result = await tool.run(args.data, ctx);
    return done(asText(result), { result });
  } catch (err) {
    return fail(`${name} failed: ${describeError(err)}`);
  }
}
