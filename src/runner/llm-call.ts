// One chat completion of a run: sent with what is left of the run's time, classified on failure,
// and read defensively (a reply is untrusted input like any other).
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionFunctionTool, ChatCompletionMessage, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ChatSender } from '../llm/chat.ts';
import { classifyLlmError, type LlmErrorInfo } from '../llm/client.ts';

export interface LlmCallInput {
  client: OpenAI;
  /** The lean sender (src/llm/chat.ts); when absent the request goes through the SDK client. */
  chat?: ChatSender | null;
  model: string;
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionFunctionTool[];
  /** Per-request cap: the client's timeout, or less when the run has less time left. */
  timeoutMs: number;
  signal: AbortSignal;
  /** The most tokens the reply may have (a monthly budget's remainder); omitted when unbounded. */
  maxCompletionTokens?: number;
}

export type LlmCallResult =
  | {
      ok: true;
      message: ChatCompletionMessage;
      finishReason: string;
      promptTokens: number;
      completionTokens: number;
      /** The server sent no usage; tokens were estimated from sizes (~4 characters a token). */
      estimated: boolean;
      model: string;
    }
  | { ok: false; error: LlmFailure };

/** Why a call gave no usable reply: an LLM error class (client.ts), or `malformed_response`. */
export interface LlmFailure {
  type: LlmErrorInfo['type'] | 'malformed_response';
  message: string;
  transient: boolean;
  status?: number;
  /** Upstream text, for logs and the step record; never the user-facing message. */
  detail?: string;
}

const estimate = (chars: number) => Math.ceil(chars / 4);

function malformed(detail: string): LlmCallResult {
  return { ok: false, error: { type: 'malformed_response', transient: false, detail, message: `the language model's reply could not be read (${detail})` } };
}

// A tool's definition (its JSON schema: most of a request with tools) is a constant of its registry:
// serialised once, not on every request of every run.
const definitionJson = new WeakMap<ChatCompletionFunctionTool, string>();
function jsonOf(def: ChatCompletionFunctionTool): string {
  let json = definitionJson.get(def);
  if (json === undefined) {
    json = JSON.stringify(def);
    definitionJson.set(def, json);
  }
  return json;
}

/**
 * The request body as JSON, the same text JSON.stringify gives for the SDK's body object (same
 * keys, same order): only the model and the messages are serialised per request.
 */
export function chatBodyJson(input: Pick<LlmCallInput, 'model' | 'messages' | 'tools' | 'maxCompletionTokens'>): string {
  let json = `{"model":${JSON.stringify(input.model)},"messages":${JSON.stringify(input.messages)}`;
  if (input.tools.length) json += `,"tools":[${input.tools.map(jsonOf).join(',')}]`;
  if (input.maxCompletionTokens !== undefined) json += `,"max_completion_tokens":${JSON.stringify(input.maxCompletionTokens)}`;
  return `${json}}`;
}

/** Sends one request; never throws. */
export async function callLlm(input: LlmCallInput): Promise<LlmCallResult> {
  let completion: ChatCompletion;
  try {
    if (input.chat) completion = await input.chat.send(chatBodyJson(input), { signal: input.signal, timeoutMs: input.timeoutMs });
    else {
      const body = {
        model: input.model,
        messages: input.messages,
        ...(input.tools.length ? { tools: input.tools } : {}),
        ...(input.maxCompletionTokens === undefined ? {} : { max_completion_tokens: input.maxCompletionTokens }),
      };
      completion = await input.client.chat.completions.create(body, { signal: input.signal, timeout: Math.max(1, input.timeoutMs), maxRetries: 0 });
    }
  } catch (err) {
    return { ok: false, error: classifyLlmError(err) };
  }
  // A 200 that is not a chat completion (a proxy's page, a truncated body) is a failed reply, not a bug.
  if (typeof completion !== 'object' || completion === null || !Array.isArray(completion.choices)) return malformed('no choices in the reply');
  const choice = completion.choices[0];
  const message = choice?.message;
  if (!choice || typeof message !== 'object' || message === null) return malformed('the reply has no message');
  if (message.tool_calls !== undefined && message.tool_calls !== null && !Array.isArray(message.tool_calls)) return malformed('tool_calls is not a list');
  const usage = completion.usage;
  const hasUsage = typeof usage?.prompt_tokens === 'number' && typeof usage?.completion_tokens === 'number';
  return {
    ok: true,
    message,
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'unknown',
    promptTokens: hasUsage ? (usage?.prompt_tokens ?? 0) : estimate(JSON.stringify(input.messages).length),
    completionTokens: hasUsage ? (usage?.completion_tokens ?? 0) : estimate(JSON.stringify(message).length),
    estimated: !hasUsage,
    model: typeof completion.model === 'string' ? completion.model : input.model,
  };
}
