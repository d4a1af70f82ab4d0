// The run's chat-completion request without the SDK's request machinery: one node:http request over a
// keep-alive pool, the body serialised once, one timer and one abort listener. Profiled under the
// no-op run bench, the SDK's path (makeRequest, buildHeaders, its debug-format of every request, a
// request controller and signal chain per call, a WHATWG Headers/Response round trip through the
// fetch shim) was ~15% of the scheduler's CPU and most of its garbage, for a request whose shape
// never changes. Failures are still the SDK's own error classes, so classifyLlmError reads them
// exactly as before, and replies are the SDK's ChatCompletion type.
import http from 'node:http';
import https from 'node:https';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';

export interface ChatSender {
  /** POSTs a serialised chat-completions body; resolves with the parsed reply, rejects with an SDK error. */
  send(body: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ChatCompletion>;
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b/i;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Builds a sender for `${baseURL}/chat/completions` with a pool of at most `maxSockets` connections. */
export function createChatSender(opts: { baseURL: string; apiKey: string; maxSockets: number }): ChatSender {
  const base = new URL(opts.baseURL.endsWith('/') ? opts.baseURL : `${opts.baseURL}/`);
  const url = new URL('chat/completions', base);
  const secure = url.protocol === 'https:';
  const mod = secure ? https : http;
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets, scheduling: 'fifo' })
    : new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets, scheduling: 'fifo' });
  const target = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (secure ? 443 : 80), path: `${url.pathname}${url.search}` };
  const fixed = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${opts.apiKey}`, 'user-agent': 'tickler' };

  function send(body: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<ChatCompletion> {
    const { signal } = o;
    if (signal?.aborted) return Promise.reject(new APIUserAbortError());
    return new Promise<ChatCompletion>((resolve, reject) => {
      let settled = false;
      let cause: 'timeout' | 'abort' | null = null;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
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
      const req = mod.request(
        { ...target, method: 'POST', agent, headers: { ...fixed, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('error', fail);
          // Cut off mid-body (aborted, the connection dropped): what arrived is not the reply.
          res.once('close', () => {
            if (!res.complete) fail(new Error('the response was cut off'));
          });
          res.once('end', () => {
            const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
            const status = res.statusCode ?? 502;
            const contentType = String(res.headers['content-type'] ?? '');
            finish(() => {
              if (status < 200 || status >= 300) {
                const json = safeJson(text);
                const headers = new Headers();
                for (const [k, v] of Object.entries(res.headers)) {
                  if (Array.isArray(v)) for (const x of v) headers.append(k, x);
                  else if (v !== undefined) headers.set(k, v);
                }
                // The SDK's own shaping of an error body (client.makeStatusError).
                const normalized = json && typeof json === 'object' && (json as { error?: unknown }).error == null ? { error: json } : json;
                reject(APIError.generate(status, normalized as object | undefined, json ? undefined : text, headers));
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
          });
        },
      );
      const timer = setTimeout(() => {
        cause = 'timeout';
        req.destroy(new Error('request timed out'));
      }, Math.max(1, o.timeoutMs));
      function onAbort() {
        cause = 'abort';
        req.destroy(new Error('request aborted'));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('error', fail);
      req.end(body);
    });
  }

  return { send };
}
