// The run's chat-completion request without the SDK's request machinery: one request on undici's
// connection pool through its low-level dispatch() (no stream, no WHATWG objects), the body
// serialised once, one timer and one abort listener.
// - Profiled under the no-op run bench, the SDK's path (makeRequest, buildHeaders, its debug-format of
//   every request, a request controller and signal chain per call, a Headers/Response round trip
//   through the fetch shim) was ~15% of the scheduler's CPU and most of its garbage, for a request
//   whose shape never changes.
// - node:http's client, which this sender used next, cost ~140 µs of CPU per request against this
//   machine's zero-latency server; undici's dispatch() costs ~70 µs and sent 10,000 requests at once
//   over 256 connections in ~0.7 s against node:http's ~1.3 s (the same server, the same socket cap).
// Failures are still the SDK's own error classes, so classifyLlmError reads them exactly as before,
// and replies are the SDK's ChatCompletion type.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { type Dispatcher, Pool } from 'undici';
import { createPending } from '../pending.ts';

export interface ChatSender {
  /** POSTs a serialised chat-completions body; resolves with the parsed reply, rejects with an SDK error. */
  send(body: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ChatCompletion>;
  /** Requests handed to the pool that wait for a connection: a burst is being sent. */
  unsent(): number;
  /** Resolves when no request waits for a connection (at once if none does). */
  drained(): Promise<void>;
  /** Closes the connection pool (requests in flight fail). */
  close(): Promise<void>;
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b/i;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Node-style response headers as a WHATWG Headers (what the SDK's errors carry). */
export function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else if (v !== undefined) headers.set(k, v);
  }
  return headers;
}

/** Builds a sender for `${baseURL}/chat/completions` with a pool of at most `maxSockets` connections. */
export function createChatSender(opts: { baseURL: string; apiKey: string; maxSockets: number }): ChatSender {
  const base = new URL(opts.baseURL.endsWith('/') ? opts.baseURL : `${opts.baseURL}/`);
  const url = new URL('chat/completions', base);
  // Idle connections are kept as long as the server allows (its Keep-Alive hint), at most 60 s.
  const pool = new Pool(url.origin, { connections: opts.maxSockets, pipelining: 1, keepAliveMaxTimeout: 60_000 });
  const path = `${url.pathname}${url.search}`;
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${opts.apiKey}`, 'user-agent': 'tickler' };
  const unsent = createPending();

  function send(body: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<ChatCompletion> {
    const { signal } = o;
    if (signal?.aborted) return Promise.reject(new APIUserAbortError());
    return new Promise<ChatCompletion>((resolve, reject) => {
      let settled = false;
      let cause: 'timeout' | 'abort' | null = null;
      // Set once the pool gives the request a connection; until then a timeout or an abort only has
      // to make sure nothing is written when it does (onRequestStart aborts at once).
      let controller: Dispatcher.DispatchController | null = null;
      const uncount = unsent.add();
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        uncount();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const fail = (err: unknown) =>
        finish(() => {
          if (cause === 'abort') reject(new APIUserAbortError());
          else if (cause === 'timeout') reject(new APIConnectionTimeoutError());
          else reject(new APIConnectionError({ cause: err instanceof Error ? err : new Error(String(err)) }));
        });
      const stop = (why: 'timeout' | 'abort') => {
        cause = why;
        const err = new Error(why === 'timeout' ? 'request timed out' : 'request aborted');
        if (controller && !controller.aborted) controller.abort(err);
        fail(err);
      };
      const timer = setTimeout(() => stop('timeout'), Math.max(1, o.timeoutMs));
      function onAbort() {
        stop('abort');
      }
      signal?.addEventListener('abort', onAbort, { once: true });

      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          uncount();
          if (settled) c.abort(new Error('request abandoned before it was sent'));
        },
        onResponseStart(_c, statusCode, h) {
          status = statusCode;
          responseHeaders = h;
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
          const contentType = String(responseHeaders['content-type'] ?? '');
          finish(() => {
            if (status < 200 || status >= 300) {
              const json = safeJson(text);
              // The SDK's own shaping of an error body (client.makeStatusError).
              const normalized = json && typeof json === 'object' && (json as { error?: unknown }).error == null ? { error: json } : json;
              reject(APIError.generate(status, normalized as object | undefined, json ? undefined : text, headersOf(responseHeaders)));
              return;
            }
            if (status === 204 || text === '') {
              resolve(undefined as unknown as ChatCompletion);
              return;
            }
            // A JSON body that does not parse rejects with SyntaxError, as the SDK's parse does; a
            // reply that is not JSON at all (a proxy's page) is handed over as text, also as it does.
            try {
              resolve((JSON_TYPE.test(contentType) ? JSON.parse(text) : text) as ChatCompletion);
            } catch (err) {
              reject(err);
            }
          });
        },
        // Refused, dropped, cut off mid-body (a content-length the body did not reach), or aborted by us.
        onResponseError(_c, err) {
          fail(err);
        },
      };
      try {
        pool.dispatch({ origin: url.origin, path, method: 'POST', headers, body }, handler);
      } catch (err) {
        fail(err);
      }
    });
  }

  return {
    send,
    unsent: unsent.size,
    drained: unsent.zero,
    close: () => pool.close(),
  };
}
