import { createHash, timingSafeEqual } from 'node:crypto';
import Koa, { type Context } from 'koa';
import { AppError, UnauthorizedError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { isLoopbackAuthority } from '../loopback.ts';
import type { Metrics } from '../metrics.ts';
import { problemMiddleware } from './problem.ts';

// Digests first: timingSafeEqual wants equal lengths, and comparing digests leaks not even the length.
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether a request's `Authorization: Bearer <token>` is METRICS_TOKEN, in constant time. */
export function presentsMetricsToken(ctx: Context, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

/** 401 unless METRICS_TOKEN is unset or the request presents it. */
export function authorizeMetrics(ctx: Context, token: string | undefined): void {
  if (token === undefined || presentsMetricsToken(ctx, token)) return;
  ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
  throw new UnauthorizedError('/metrics needs Authorization: Bearer $METRICS_TOKEN');
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The listener of METRICS_HOST:METRICS_PORT: `GET /metrics` and nothing else of the API, so a
 * scraper's network never reaches the API and the API's never reaches the metrics. `loopbackOnly`
 * (the listener is bound to loopback): only loopback Host headers, so a DNS-rebinding page in a local
 * browser cannot read it either.
 */
export function createMetricsApp(deps: { metrics: Metrics; token: string | undefined; logger: Logger; loopbackOnly: boolean }): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(problemMiddleware(deps.logger));
  app.use((ctx) => {
    if (deps.loopbackOnly && !isLoopbackAuthority(ctx.req.headers.host ?? '')) {
      throw new AppError(421, 'misdirected_request', 'this listener is bound to loopback and answers only loopback Host headers (127.0.0.1, localhost, [::1])');
    }
    if (ctx.path !== '/metrics') throw new AppError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}: this listener serves GET /metrics only`);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      throw new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed here; allowed: GET, HEAD`);
    }
    authorizeMetrics(ctx, deps.token);
    ctx.type = METRICS_CONTENT_TYPE;
    ctx.body = deps.metrics.render();
  });
  return app;
}
