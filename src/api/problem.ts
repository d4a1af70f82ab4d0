import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { AppError, type FieldError } from '../errors.ts';
import type { Logger } from '../log.ts';

export const PROBLEM_TYPE_BASE = 'https://tickler.dev/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  421: 'Misdirected request',
  431: 'Request header fields too large',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** Formats zod issues as `{path, message}` with dotted paths ("schedule.cron", "tools.2"). */
export function fieldErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const path = [...prefix, ...issue.path].map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ path: path ? `${path}.${k}` : k, message: 'unknown field' }));
    }
    return [{ path: path || '(body)', message: issue.message }];
  });
}

function problemFor(err: unknown): { status: number; code: string; detail: string; errors?: FieldError[]; extra?: Record<string, unknown>; expose: boolean } {
  if (err instanceof AppError) {
    return {
      status: err.status,
      code: err.code,
      detail: err.message,
      expose: err.expose,
      ...(err.errors ? { errors: err.errors } : {}),
      ...(err.details ? { extra: err.details } : {}),
    };
  }
  if (err instanceof z.ZodError) {
    const errors = fieldErrors(err);
    return { status: 422, code: 'validation_failed', detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors, expose: true };
  }
  // Errors thrown by Koa itself or its helpers (ctx.throw, router 405/501) carry a status.
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, code: (TITLES[status] ?? 'error').toLowerCase().replace(/\s+/g, '_'), detail: String(e.message ?? TITLES[status]), expose: true };
  }
  return { status: status >= 500 && status < 600 ? status : 500, code: 'internal', detail: 'An unexpected error occurred.', expose: false };
}

/** Writes an RFC 9457 problem document. */
export function sendProblem(ctx: Context, err: unknown, logger: Logger): void {
  const p = problemFor(err);
  // A deliberate, explained 503 (not ready yet, the LLM is unavailable) is expected in operation: a
  // probe asks /readyz every few seconds during start-up, and a stack per probe is noise.
  if (p.status === 503 && p.expose) logger.debug({ requestId: ctx.state.requestId, path: ctx.path, detail: p.detail }, 'request answered 503');
  else if (p.status >= 500) logger.error({ err, requestId: ctx.state.requestId, path: ctx.path }, 'request failed');
  ctx.status = p.status;
  ctx.type = 'application/problem+json';
  ctx.body = {
    type: `${PROBLEM_TYPE_BASE}${p.code}`,
    title: TITLES[p.status] ?? 'Error',
    status: p.status,
    detail: p.expose ? p.detail : 'An unexpected error occurred.',
    instance: ctx.path,
    requestId: ctx.state.requestId,
    ...(p.errors ? { errors: p.errors } : {}),
    ...(p.extra ?? {}),
  };
  if (p.status === 405 && ctx.response.get('Allow')) ctx.set('Allow', ctx.response.get('Allow'));
  if (err instanceof AppError && err.headers) ctx.set(err.headers);
}

/** The one error path: handlers throw; this shapes every 4xx/5xx, including unmatched routes. */
export function problemMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      // Nothing answered (no route), or the router answered 405/501 with only a status and Allow.
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new AppError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
        if (ctx.status === 405) throw new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow')}`);
        // The router answers 501 to a method no route implements (PROPFIND, TRACE…): that is the
        // client's doing, so a 405 with the router's Allow, never a 5xx.
        if (ctx.status === 501) throw new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow')}`);
      }
    } catch (err) {
      // Keep headers the router set (Allow), drop anything half-written by the failed handler.
      const allow = ctx.response.get('Allow');
      sendProblem(ctx, err, logger);
      if (allow) ctx.set('Allow', allow);
      // Refused before its body arrived (no credentials, too large, wrong Host…): hang up rather than
      // let Node drain an upload nobody will read.
      if (!ctx.req.complete) lingerThenClose(ctx.req, ctx.res);
    }
  };
}

// A lingering close, as Go's and Apache's servers do: closing at once, with the client's upload
// still arriving, makes the kernel answer it with a reset that can destroy the 401 before the client
// reads it. So the upload is read and thrown away for a moment after the answer went out, and then,
// at most LINGER_BYTES (8 MB: a body a few times over the limit ends cleanly) or LINGER_MS later, the connection is closed; a body that ends within them
// leaves the connection open, as if it had been read.
const LINGER_MS = 2000;
const LINGER_BYTES = 8 << 20;

function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (req.complete) return;
    const socket = req.socket;
    let seen = 0;
    const close = () => socket.destroy();
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    // Counted on the socket: Node's own discarding of an unread body emits no 'data' on the request.
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (req.complete) {
        // The rest of a small body arrived within the linger: the connection stays as it was.
        clearTimeout(timer);
        socket.off('data', onData);
      } else if (seen > LINGER_BYTES) close();
    };
    socket.on('data', onData);
    req.resume();
  });
}

/**
 * Requests that Node's HTTP parser rejects never reach the app (a request line or headers over the
 * 16 KB limit, malformed HTTP, a header timeout); Node would answer them with a bare status. Answer
 * them with a problem document too, then close the connection.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const title = TITLES[status] as string;
    const body = JSON.stringify({
      type: `${PROBLEM_TYPE_BASE}${title.toLowerCase().replace(/\s+/g, '_')}`,
      title,
      status,
      detail: status === 431 ? 'the request line or headers exceed 16 KB' : 'the request is not valid HTTP',
    });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
