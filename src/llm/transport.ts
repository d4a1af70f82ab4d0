import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { headersOf } from './chat.ts';

/**
 * A `fetch` for the LLM client over node:http with a bounded keep-alive pool. The SDK's default
 * (the global fetch) opens a connection per concurrent request: with hundreds of runs starting at
 * one instant that is hundreds of TCP handshakes before the first byte, and its dispatch measured
 * 2–3× slower than this pool at 1,000 and 10,000 simultaneous requests (bench/fire.ts). Bodies the
 * SDK sends are JSON strings; anything else goes to the global fetch.
 */
export function createPooledFetch(opts: { maxSockets: number }): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets, scheduling: 'fifo' }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets, scheduling: 'fifo' }),
  };
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    if (input instanceof Request || (init.body != null && typeof init.body !== 'string')) return fetch(input, init);
    const url = new URL(String(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fetch(input, init);
    const headers: Record<string, string> = {};
    // The SDK hands over a Headers already: read it, do not copy it.
    (init.headers instanceof Headers ? init.headers : new Headers(init.headers)).forEach((v, k) => {
      headers[k] = v;
    });
    const body = init.body as string | null | undefined;
    if (body != null) headers['content-length'] = String(Buffer.byteLength(body));
    const signal = init.signal ?? undefined;
    return await new Promise<Response>((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:'], ...(signal ? { signal } : {}) }, (res) => {
        const h = headersOf(res.headers);
        const status = res.statusCode ?? 502;
        const meta = { status, statusText: res.statusMessage ?? '', headers: h };
        if (status === 204 || status === 304 || init.method === 'HEAD') {
          res.resume();
          resolve(new Response(null, meta));
          return;
        }
        // A JSON reply (every non-streamed completion) is read here and handed over whole: wrapping
        // the socket in a web stream cost more than the rest of the transport per request. Anything
        // else (a streamed reply: text/event-stream) stays a stream.
        if (!/^application\/(?:[\w.+-]*\+)?json\b/i.test(String(res.headers['content-type'] ?? ''))) {
          resolve(new Response(Readable.toWeb(res) as ReadableStream, meta));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const fail = (err: unknown) => reject(signal?.aborted ? (signal.reason ?? err) : new TypeError('fetch failed', { cause: err }));
        res.once('end', () => {
          const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          resolve(new Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length), meta));
        });
        res.once('error', fail);
        // Cut off mid-body (aborted, the connection dropped): what arrived is not the reply.
        res.once('close', () => {
          if (!res.complete) fail(new Error('the response was cut off'));
        });
      });
      // An aborted request rejects with the abort reason, as fetch does, so the SDK can tell a timeout from a drop.
      req.once('error', (err) => reject(signal?.aborted ? (signal.reason ?? err) : new TypeError('fetch failed', { cause: err })));
      req.end(body ?? undefined);
    });
  }) as typeof fetch;
}
