// A real HTTP server that speaks the OpenAI chat-completions wire format, so every LLM test drives the
// real `openai` client over a real socket: scripted answers, tool calls, HTTP errors, delays, dropped
// connections. Non-streaming only (`stream: true` gets a 400): tickler never streams.
//
// Kept cheap on the hot path (benchmarks use it): no logging, one JSON.parse and one JSON.stringify per
// request, and recording can be turned off.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

/** One function call in an assistant message. `arguments` as a string is sent verbatim (garbage allowed). */
export interface FakeToolCall {
  name: string;
  arguments: string | Record<string, unknown>;
  id?: string;
}

export interface FakeUsage {
  promptTokens: number;
  completionTokens: number;
}

/** What the server answers to one request; `delayMs` waits before answering (or before dropping). */
export type FakeReply = { delayMs?: number } & (
  | {
      kind: 'message';
      content?: string | null;
      refusal?: string | null;
      toolCalls?: FakeToolCall[];
      /** Default: "tool_calls" when there are tool calls, else "stop". */
      finishReason?: string;
      /** Default: estimated from sizes (~4 characters a token); null leaves `usage` out. */
      usage?: FakeUsage | null;
    }
  | {
      kind: 'error';
      status: number;
      message: string;
      type?: string;
      code?: string | null;
      param?: string | null;
      headers?: Record<string, string>;
    }
  /** Destroys the socket without answering: the client sees a connection error. */
  | { kind: 'drop' }
  /** Sends a 200 JSON reply's headers and half its body, then destroys the socket. */
  | { kind: 'cut' }
  /** Any status and body, e.g. a 200 whose body is not JSON. */
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
);

/** A request as the server received it. `body` is the parsed JSON body (`{}` when there is none). */
export interface FakeRequest {
  /** 0-based arrival order across all routes, since start or the last `reset()`. */
  index: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Partial<ChatCompletionCreateParamsNonStreaming>;
  /** Arrival time, ms since the epoch. */
  time: number;
}

export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAIOptions {
  /** Answer when neither a scripted reply nor a handler is there. Default: a 500 saying so. */
  defaultReply?: FakeReply;
  /** Answers requests once the script is empty (until `setHandler(null)`; `reset()` puts it back). */
  handler?: FakeHandler;
  /** When set, a request without `Authorization: Bearer <apiKey>` gets a 401. */
  apiKey?: string;
  /** Listed by GET /v1/models. Default: ["gpt-4o-mini"]. */
  models?: string[];
  /** Keep every request in `requests` (default true). Turn off for long benchmarks. */
  record?: boolean;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, for `new OpenAI({ baseURL })` or `OPENAI_BASE_URL`. */
  url: string;
  /** Every request received (all routes), in arrival order. */
  readonly requests: readonly FakeRequest[];
  /** Queues replies; each chat request consumes the next one, in order, at arrival. */
  script(...replies: FakeReply[]): void;
  /** Dynamic answers once the script is empty; null removes the handler. */
  setHandler(handler: FakeHandler | null): void;
  /** Scripted replies not consumed yet. */
  pending(): number;
  /** Requests whose client closed the connection before the answer was sent (an aborted call). */
  clientCloses(): number;
  /**
   * Resolves once the `n`-th request (1-based, counted from start or the last `reset()`, recorded or
   * not) has arrived, its body read; rejects after `timeoutMs` (default 5 s) or on `reset()`.
   */
  nthRequest(n: number, timeoutMs?: number): Promise<void>;
  /** As nthRequest, for the `n`-th client close (see clientCloses). */
  nthClientClose(n: number, timeoutMs?: number): Promise<void>;
  /** Back to how it started: no script, no requests, index 0, the handler given at start (if any). */
  reset(): void;
  close(): Promise<void>;
}

/** Builders for the common replies. */
export const reply = {
  text: (content: string, extra: Partial<Extract<FakeReply, { kind: 'message' }>> = {}): FakeReply => ({ kind: 'message', content, ...extra }),
  toolCall: (name: string, args: FakeToolCall['arguments'], extra: Partial<Extract<FakeReply, { kind: 'message' }>> = {}): FakeReply => ({
    kind: 'message',
    toolCalls: [{ name, arguments: args }],
    ...extra,
  }),
  /** Several calls in one assistant message: parallel tool calls. */
  toolCalls: (calls: FakeToolCall[], extra: Partial<Extract<FakeReply, { kind: 'message' }>> = {}): FakeReply => ({ kind: 'message', toolCalls: calls, ...extra }),
  refusal: (text: string): FakeReply => ({ kind: 'message', content: null, refusal: text }),
  error: (status: number, message: string, extra: Partial<Extract<FakeReply, { kind: 'error' }>> = {}): FakeReply => ({ kind: 'error', status, message, ...extra }),
  rateLimited: (retryAfterSeconds = 1): FakeReply => ({
    kind: 'error',
    status: 429,
    message: 'Rate limit reached for requests. Please try again shortly.',
    type: 'requests',
    code: 'rate_limit_exceeded',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  serverError: (status = 500): FakeReply => ({
    kind: 'error',
    status,
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
  }),
  unauthorized: (): FakeReply => ({
    kind: 'error',
    status: 401,
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  }),
  modelNotFound: (model: string): FakeReply => ({
    kind: 'error',
    status: 404,
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: 'invalid_request_error',
    code: 'model_not_found',
  }),
  drop: (): FakeReply => ({ kind: 'drop' }),
  cut: (): FakeReply => ({ kind: 'cut' }),
  raw: (status: number, body: string, headers: Record<string, string> = { 'content-type': 'text/plain' }): FakeReply => ({ kind: 'raw', status, body, headers }),
  delayed: (delayMs: number, r: FakeReply): FakeReply => ({ ...r, delayMs }),
};

const NO_SCRIPTED_REPLY: FakeReply = {
  kind: 'error',
  status: 500,
  message: 'fake-openai: no scripted reply left for this request (script() more replies or setHandler())',
  type: 'fake_openai_unscripted',
};

const estimateTokens = (chars: number) => Math.ceil(chars / 4);

interface CountWaiter {
  n: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Promises on a growing count: "the n-th one has happened", each bounded in real time. */
function countWaiters(what: string, count: () => number) {
  let waiters: CountWaiter[] = [];
  return {
    wait(n: number, timeoutMs = 5_000): Promise<void> {
      if (count() >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`fake-openai: no ${what} #${n} within ${timeoutMs} ms (${count()} so far)`));
        }, timeoutMs);
        const waiter: CountWaiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        waiters.push(waiter);
      });
    },
    /** After the count grew: resolves the waiters it reached (none waits on the hot path: one length check). */
    bumped(): void {
      if (waiters.length === 0) return;
      const c = count();
      const still: CountWaiter[] = [];
      for (const w of waiters) (w.n <= c ? w.resolve() : still.push(w));
      waiters = still;
    },
    cancel(why: string): void {
      const all = waiters;
      waiters = [];
      for (const w of all) w.reject(new Error(`fake-openai: ${what} wait cancelled by ${why}`));
    },
  };
}

/** Starts the server on 127.0.0.1 on a free port. */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: FakeRequest[] = [];
  const queue: FakeReply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const record = opts.record ?? true;
  const models = opts.models ?? ['gpt-4o-mini'];
  const defaultReply = opts.defaultReply ?? NO_SCRIPTED_REPLY;
  let handler: FakeHandler | null = opts.handler ?? null;
  let seq = 0;
  let clientCloses = 0;
  const dropped = new WeakSet<ServerResponse>();
  const arrivals = countWaiters('request', () => seq);
  const closes = countWaiters('client close', () => clientCloses);

  function chatCompletion(r: Extract<FakeReply, { kind: 'message' }>, model: string, bodyChars: number, n: number): string {
    const toolCalls = r.toolCalls?.map((c, i) => ({
      id: c.id ?? `call_${n}_${i}`,
      type: 'function',
      function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
    }));
    const content = r.content ?? null;
    const outChars = (content?.length ?? 0) + (r.refusal?.length ?? 0) + (toolCalls?.reduce((s, c) => s + c.function.name.length + c.function.arguments.length, 0) ?? 0);
    const u = r.usage === null ? null : (r.usage ?? { promptTokens: estimateTokens(bodyChars), completionTokens: estimateTokens(outChars) });
    return JSON.stringify({
      id: `chatcmpl-fake-${n}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: r.refusal ?? null, annotations: [], ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) },
          logprobs: null,
          finish_reason: r.finishReason ?? (toolCalls?.length ? 'tool_calls' : 'stop'),
        },
      ],
      ...(u ? { usage: { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens } } : {}),
    });
  }

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    if (res.destroyed || res.writableEnded) return; // the client gave up (timeout, abort) while we waited
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }

  function errorBody(r: { message: string; type?: string; code?: string | null; param?: string | null }): string {
    return JSON.stringify({ error: { message: r.message, type: r.type ?? 'invalid_request_error', param: r.param ?? null, code: r.code ?? null } });
  }

  function answer(req: IncomingMessage, res: ServerResponse, r: FakeReply, model: string, bodyChars: number, n: number) {
    switch (r.kind) {
      case 'message':
        return send(res, 200, chatCompletion(r, model, bodyChars, n));
      case 'error':
        return send(res, r.status, errorBody(r), r.headers);
      case 'raw':
        return send(res, r.status, r.body, r.headers);
      case 'drop':
        dropped.add(res);
        req.socket.destroy();
        return;
      case 'cut': {
        const body = JSON.stringify({ id: 'cut', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'never whole' } }] });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.write(body.slice(0, body.length >> 1), () => {
          dropped.add(res);
          req.socket.destroy();
        });
        return;
      }
    }
  }

  function later(req: IncomingMessage, res: ServerResponse, r: FakeReply, model: string, bodyChars: number, n: number) {
    if (!r.delayMs) return answer(req, res, r, model, bodyChars, n);
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res, r, model, bodyChars, n);
    }, r.delayMs);
    timers.add(timer);
    // Free the timer as soon as the client goes away instead of holding it until it fires.
    res.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  async function onChat(req: IncomingMessage, res: ServerResponse, entry: FakeRequest, bodyChars: number) {
    const body = entry.body;
    if ((body as { stream?: unknown }).stream === true) {
      return send(res, 400, errorBody({ message: 'fake-openai supports stream: false only', param: 'stream' }));
    }
    // Consume at arrival, so concurrent requests get replies in arrival order whatever their delays.
    let r = queue.shift();
    if (r === undefined && handler) {
      try {
        r = await handler(entry);
      } catch (err) {
        r = { kind: 'error', status: 500, message: `fake-openai: the handler threw: ${(err as Error)?.message ?? String(err)}`, type: 'fake_openai_handler_error' };
      }
    }
    later(req, res, r ?? defaultReply, typeof body.model === 'string' ? body.model : 'unknown-model', bodyChars, entry.index);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const n = seq++;
    let body: FakeRequest['body'] = {};
    let badJson = false;
    if (raw !== '') {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed;
        else badJson = true;
      } catch {
        badJson = true;
      }
    }
    const entry: FakeRequest = { index: n, method: req.method ?? 'GET', path, headers: req.headers, body, time: Date.now() };
    res.once('close', () => {
      if (!res.writableFinished && !dropped.has(res)) {
        clientCloses++;
        closes.bumped();
      }
    });
    if (record) requests.push(entry);
    // After the push: a waiter woken by the n-th arrival finds it in `requests`.
    arrivals.bumped();

    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return answer(req, res, reply.unauthorized(), '', 0, n);
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      if (badJson) return send(res, 400, errorBody({ message: 'fake-openai: the request body is not a JSON object' }));
      return onChat(req, res, entry, raw.length);
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return send(res, 200, JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-openai' })) }));
    }
    send(res, 404, errorBody({ message: `fake-openai: no route ${req.method} ${path}`, code: 'unknown_url' }));
  }

  const server = createServer((req, res) => {
    // A bug here must fail the test that caused it, not crash the test process.
    onRequest(req, res).catch((err: unknown) => send(res, 500, errorBody({ message: `fake-openai: ${(err as Error)?.message ?? String(err)}`, type: 'fake_openai_error' })));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => {
      queue.push(...replies);
    },
    setHandler: (h) => {
      handler = h;
    },
    pending: () => queue.length,
    clientCloses: () => clientCloses,
    nthRequest: (n, timeoutMs) => arrivals.wait(n, timeoutMs),
    nthClientClose: (n, timeoutMs) => closes.wait(n, timeoutMs),
    reset: () => {
      arrivals.cancel('reset()');
      closes.cancel('reset()');
      queue.length = 0;
      requests.length = 0;
      seq = 0;
      clientCloses = 0;
      handler = opts.handler ?? null;
    },
    close: async () => {
      arrivals.cancel('close()');
      closes.cancel('close()');
      for (const t of timers) clearTimeout(t);
      timers.clear();
      // Keep-alive sockets (the SDK pools them) would otherwise hold close() open for seconds.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
