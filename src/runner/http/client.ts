// An HTTP client that cannot be pointed at the inside of our network. Every hop (the first request
// and each redirect, followed by hand) is judged after DNS resolution, and the socket is opened to
// the judged address itself, so neither a DNS answer that changes (rebinding) nor a redirect can
// slip past the check. Size and time are capped; the body is never trusted to end.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { addressProblem } from './address.ts';
import type { FetchDeps, ResolvedAddress } from './net.ts';

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** Bytes of body kept; the rest is cut off and `truncated` set. Default 1 MB. */
  maxBytes?: number;
  /** For the whole exchange, redirects included. Default 10 s. */
  timeoutMs?: number;
  /** Redirects followed (each one re-checked). Default 5; 0 returns the 3xx itself. */
  maxRedirects?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** The URL that answered, after redirects. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  truncated: boolean;
}

export interface GuardOptions {
  deps: FetchDeps;
  /** Host names (HTTP_TOOL_ALLOWED_HOSTS) exempt from the address check, e.g. an internal API. */
  allowedHosts: readonly string[];
}

/** The request was not sent because of where it would have gone; `message` says why. */
export class HttpRefusedError extends Error {
  override name = 'HttpRefusedError';
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;
const USER_AGENT = 'tickler/0.1 (scheduled task runner)';

const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

/** Checks scheme and destination of one hop; returns the address to connect to. */
async function approve(url: URL, opts: GuardOptions, signal: AbortSignal): Promise<ResolvedAddress> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpRefusedError(`refused: only http and https URLs may be fetched, not ${url.protocol.replace(/:$/, '')}`);
  }
  const host = bare(url.hostname);
  const allowed = opts.allowedHosts.some((h) => bare(h) === host);
  const literal = isIP(host);
  const addresses: ResolvedAddress[] = literal ? [{ address: host, family: literal === 6 ? 6 : 4 }] : await opts.deps.lookup(host, signal);
  if (addresses.length === 0) throw new Error(`${host} did not resolve to any address`);
  if (!allowed) {
    // Every answer must be public: a name that also resolves inside would be a coin toss otherwise.
    for (const a of addresses) {
      const problem = addressProblem(a.address);
      if (problem) {
        throw new HttpRefusedError(
          `refused: ${host}${literal ? '' : ` resolves to ${a.address}, which`} is ${problem}; only public addresses may be fetched`,
        );
      }
    }
  }
  return addresses[0] as ResolvedAddress;
}

function decoder(encoding: string | undefined) {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return null;
  }
}

/** Reads at most `maxBytes` of (decoded) body, then stops reading and destroys the stream. */
async function readCapped(res: IncomingMessage, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  const decode = decoder(res.headers['content-encoding']);
  const source = decode ? res.pipe(decode) : res;
  if (decode) res.once('error', (err) => decode.destroy(err));
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    if (truncated) {
      res.destroy();
      decode?.destroy();
    }
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

/** The headers one hop sends: ours, the caller's, then those only the client may set. */
function requestHeaders(url: URL, req: HttpRequest, body: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: 'text/html,application/xhtml+xml,application/json,text/plain;q=0.9,*/*;q=0.5',
    'accept-encoding': 'gzip, deflate, br',
    ...req.headers,
    host: url.host,
    connection: 'close',
  };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  else delete headers['content-type'];
  return headers;
}

function exchange(socket: Duplex, url: URL, req: HttpRequest, method: string, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = requestHeaders(url, req, body);
    const r = httpRequest({ method, path: `${url.pathname}${url.search}`, headers, createConnection: () => socket as never, signal });
    r.once('response', resolve);
    r.once('error', reject);
    r.end(body);
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Sends one request through the guard, following redirects by hand. Throws on refusal, timeout or network failure. */
export async function guardedFetch(req: HttpRequest, opts: GuardOptions): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new HttpRefusedError(`not a valid absolute URL: ${req.url.slice(0, 200)}`);
  }
  let method: string = req.method;
  let body = req.body;
  const maxRedirects = req.maxRedirects ?? 5;
  try {
    for (let hop = 0; ; hop++) {
      const target = await approve(url, opts, signal);
      const tls = url.protocol === 'https:';
      const port = url.port ? Number(url.port) : tls ? 443 : 80;
      const socket = await opts.deps.connect({ ...target, port, tls, servername: bare(url.hostname) }, signal);
      let res: IncomingMessage;
      try {
        res = await exchange(socket, url, req, method, body, signal);
      } catch (err) {
        socket.destroy();
        throw err;
      }
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode ?? 0) && location && maxRedirects > 0) {
        res.destroy();
        if (hop >= maxRedirects) throw new Error(`too many redirects (more than ${maxRedirects})`);
        url = new URL(location, url);
        // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const { body: data, truncated } = await readCapped(res, req.maxBytes ?? DEFAULT_MAX_BYTES);
      return { status: res.statusCode ?? 0, url: url.toString(), headers: res.headers, body: data, truncated };
    }
  } catch (err) {
    if (timeout.aborted && !req.signal?.aborted) throw new Error(`no complete answer within ${(req.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s`);
    throw err;
  }
}

export interface RequestPreview {
  method: 'GET' | 'POST';
  /** As it would be requested: credentials in the URL are never sent, so they are not shown. */
  url: string;
  headers: Record<string, string>;
  bodyBytes: number;
  /** Set when the guard would refuse the request on what is known without the network. */
  refused?: string;
}

// Never shown in a record of what would have been sent, whoever set them.
const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|x-api-key|x-auth-token)$|secret|token|signature|password/i;

/**
 * What `guardedFetch` would send for its first hop, without sending it: no DNS lookup, no socket.
 * A refusal it can tell from the URL alone (scheme, an internal literal address) is reported; a
 * name is judged only when it is resolved, which a preview does not do.
 */
export function previewRequest(req: HttpRequest, opts: Pick<GuardOptions, 'allowedHosts'>): RequestPreview {
  const body = req.method === 'POST' ? req.body : undefined;
  const bodyBytes = body === undefined ? 0 : Buffer.byteLength(body);
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { method: req.method, url: req.url.slice(0, 200), headers: {}, bodyBytes, refused: `not a valid absolute URL: ${req.url.slice(0, 200)}` };
  }
  url.username = '';
  url.password = '';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(requestHeaders(url, req, body))) headers[k] = SECRET_HEADERS.test(k) ? '[redacted]' : v;
  const preview: RequestPreview = { method: req.method, url: url.toString(), headers, bodyBytes };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ...preview, refused: `only http and https URLs may be fetched, not ${url.protocol.replace(/:$/, '')}` };
  }
  const host = bare(url.hostname);
  const problem = isIP(host) && !opts.allowedHosts.some((h) => bare(h) === host) ? addressProblem(host) : null;
  return problem ? { ...preview, refused: `${host} is ${problem}; only public addresses may be fetched` } : preview;
}
