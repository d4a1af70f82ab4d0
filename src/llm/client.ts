// The one place that builds the OpenAI client from config, and the one reading of its errors that the
// parser and the runner share.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { Config } from '../config.ts';
import { type ChatSender, createChatSender } from './chat.ts';
import { createPooledFetch } from './transport.ts';

export type LlmConfig = Config['openai'];

/**
 * The language model as a dependency. `configured: false` (neither OPENAI_API_KEY nor OPENAI_BASE_URL
 * set) carries no client, so a caller cannot reach the network without first checking.
 */
export type Llm =
  | { configured: true; client: OpenAI; chat: ChatSender; model: string; timeoutMs: number }
  | { configured: false; client: null; chat: null; model: string; timeoutMs: number };

/** Builds the client: the configured timeout, no SDK retries, nothing read from the environment. */
export function createLlm(cfg: LlmConfig): Llm {
  const base = { model: cfg.model, timeoutMs: cfg.timeoutMs };
  if (cfg.apiKey === undefined && cfg.baseURL === undefined) return { configured: false, client: null, chat: null, ...base };
  const baseURL = cfg.baseURL ?? 'https://api.openai.com/v1';
  const apiKey = cfg.apiKey ?? 'unused';
  const client = new OpenAI({
    // A base URL alone means a local OpenAI-compatible server (Ollama, vLLM, our fake), which ignores
    // the key; the SDK refuses to start without one.
    apiKey,
    // Passed explicitly: undefined would make the SDK read OPENAI_BASE_URL, OPENAI_ORG_ID, … itself,
    // and config.ts is the only reader of the environment.
    baseURL,
    organization: null,
    project: null,
    timeout: cfg.timeoutMs,
    // The engine owns retries (backoff, attempts recorded): silent SDK retries would hide attempts
    // and multiply the time a caller waits.
    maxRetries: 0,
    logLevel: 'warn',
    fetch: createPooledFetch({ maxSockets: cfg.maxConnections }),
  });
  // The run's hot path (src/runner/llm-call.ts) sends through this instead; its own pool.
  const chat = createChatSender({ baseURL, apiKey, maxSockets: cfg.maxConnections });
  return { configured: true, client, chat, ...base };
}

export type LlmErrorType = 'rate_limited' | 'timeout' | 'network' | 'server' | 'auth' | 'not_found' | 'bad_request' | 'aborted' | 'unknown';

export interface LlmErrorInfo {
  type: LlmErrorType;
  /** Worth retrying later with backoff. */
  transient: boolean;
  /** HTTP status, when the server answered. */
  status?: number;
  /** One sentence fit for a user: never contains the upstream text, which may echo part of a key. */
  message: string;
  /** The upstream error text, for logs only. */
  detail?: string;
  /** What the server asked us to wait (retry-after-ms / retry-after), when it said. */
  retryAfterMs?: number;
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function fromStatus(err: APIError, status: number): LlmErrorInfo {
  const detail = err.message;
  if (status === 429) {
    // OpenAI also answers 429 when the account is out of credit; waiting does not fix that.
    if (err.code === 'insufficient_quota') {
      return { type: 'rate_limited', transient: false, status, detail, message: 'the language model account has run out of quota; check the OpenAI plan and billing' };
    }
    const wait = retryAfterMs(err.headers);
    return { type: 'rate_limited', transient: true, status, detail, message: 'the language model is rate-limited; try again shortly', ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (status === 408) return { type: 'timeout', transient: true, status, detail, message: 'the language model did not answer in time' };
  // 409 is OpenAI's "lock timeout, try again"; its SDK retries it like a 5xx.
  if (status === 409 || status >= 500) {
    return { type: 'server', transient: true, status, detail, message: `the language model service failed (HTTP ${status}); try again shortly` };
  }
  if (status === 401 || status === 403) {
    return { type: 'auth', transient: false, status, detail, message: `the language model rejected our credentials (HTTP ${status}); check OPENAI_API_KEY` };
  }
  if (status === 404) {
    return { type: 'not_found', transient: false, status, detail, message: 'the language model endpoint or model was not found (HTTP 404); check OPENAI_MODEL and OPENAI_BASE_URL' };
  }
  return { type: 'bad_request', transient: false, status, detail, message: `the language model rejected the request (HTTP ${status})` };
}

/** Reads any error thrown by an LLM call as one of a few kinds, saying whether a retry may help. */
export function classifyLlmError(err: unknown): LlmErrorInfo {
  // Subclasses first: the timeout is an APIConnectionError, and both are APIErrors without a status.
  if (err instanceof APIUserAbortError) return { type: 'aborted', transient: false, detail: err.message, message: 'the language model call was cancelled' };
  if (err instanceof APIConnectionTimeoutError) return { type: 'timeout', transient: true, detail: err.message, message: 'the language model did not answer in time' };
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { type: 'network', transient: true, detail: `${err.message}${cause}`, message: 'could not reach the language model (connection failed); try again shortly' };
  }
  if (err instanceof APIError && typeof err.status === 'number') return fromStatus(err, err.status);
  if (err instanceof Error) {
    // Raised outside the SDK's own wrapping: an abort while reading the body, AbortSignal.timeout(),
    // or a JSON content type whose body does not parse (a proxy's error page).
    if (err.name === 'TimeoutError') return { type: 'timeout', transient: true, detail: err.message, message: 'the language model did not answer in time' };
    if (err.name === 'AbortError') return { type: 'aborted', transient: false, detail: err.message, message: 'the language model call was cancelled' };
    if (err instanceof SyntaxError) return { type: 'server', transient: true, detail: err.message, message: 'the language model returned an unreadable response; try again shortly' };
    return { type: 'unknown', transient: false, detail: err.message, message: 'the language model call failed unexpectedly' };
  }
  return { type: 'unknown', transient: false, detail: String(err), message: 'the language model call failed unexpectedly' };
}
