import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import { LATENCY_BUCKETS } from '../metrics.ts';
import { authMiddleware } from './auth.ts';
import { localModeGuard } from './local-guard.ts';
import type { AppDeps } from './deps.ts';
import { createKeyCache, type KeyCache } from './key-cache.ts';
import { buildOpenApi } from './openapi.ts';
import { problemMiddleware } from './problem.ts';
import { createRateLimiter } from './rate-limit.ts';
import { mountRoutes, type RouteDef } from './route.ts';
import { executionRoutes } from './routes/executions.ts';
import { runRoutes } from './routes/runs.ts';
import { graphRoutes } from './routes/graph.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { keyRoutes } from './routes/keys.ts';
import { schedulerRoutes } from './routes/scheduler.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { sessionRoutes } from './routes/session.ts';
import { taskEditRoutes } from './routes/task-edit.ts';
import { taskRoutes } from './routes/tasks.ts';
import { userRoutes } from './routes/users.ts';

export const VERSION = '0.1.0';

export interface CreateAppOptions {
  /** More routes (the scheduler's status, events, the web UI…), mounted like the built-in ones. */
  extraRoutes?: RouteDef[];
  /** Middleware mounted after the API routes (static web UI). */
  after?: Koa.Middleware[];
  /** `ops`: only /healthz, /readyz, /openapi.json and /metrics (a scheduler-only process, which serves no API). */
  only?: 'ops';
}

/** Builds the Koa app: no listening, no side effects; main.ts and tests call listen(). */
export function createApp(given: AppDeps, opts: CreateAppOptions = {}): Koa {
  // The auth middleware and the routes that revoke keys share one cache of keys.
  const deps: AppDeps = given.keyCache ? given : { ...given, keyCache: createKeyCache() };
  const app = new Koa({ proxy: false });
  // Koa would log every thrown error itself; ours are shaped and logged by problemMiddleware.
  app.silent = true;
  const routes: RouteDef[] = [];
  let openapi: unknown;
  routes.push(...healthRoutes(deps, () => (openapi ??= buildOpenApi(routes, { version: VERSION }))));
  if (opts.only !== 'ops')
    routes.push(
    ...userRoutes(deps),
    ...keyRoutes(deps),
    ...sessionRoutes(deps),
    ...scheduleRoutes(deps),
    ...graphRoutes(deps),
    ...taskRoutes(deps),
    ...taskEditRoutes(deps),
    ...runRoutes(deps),
    ...executionRoutes(deps),
    ...schedulerRoutes(deps),
    ...notificationRoutes(deps),
    ...jobRoutes(deps),
    ...(opts.extraRoutes ?? []),
  );
  const router = new Router();
  mountRoutes(router, routes, {
    adminConfigured: Boolean(deps.config.adminToken),
    bodyLimitBytes: deps.config.limits.bodyLimitBytes,
    limiter: createRateLimiter({ limits: deps.config.rateLimits, clock: deps.clock }),
  });

  const logger = deps.logger;
  const requests = deps.metrics?.counter('http_requests_total', 'HTTP requests, by method, route and status.');
  const durations = deps.metrics?.histogram('http_request_duration_seconds', 'HTTP request duration, by route.', LATENCY_BUCKETS);
  app.use(async (ctx, next) => {
    const started = performance.now();
    const incoming = ctx.get('x-request-id');
    ctx.state.requestId = /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    // Aborted when the client goes away, so a slow LLM parse stops with it.
    const abort = new AbortController();
    ctx.state.signal = abort.signal;
    const onClose = () => {
      if (!ctx.res.writableFinished) abort.abort();
    };
    ctx.res.once('close', onClose);
    try {
      await next();
    } finally {
      if (requests && durations) {
        // The route pattern, not the path: ids would make one series per task.
        const routeName = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? (ctx.path.startsWith('/api/') ? 'unmatched' : 'static');
        requests.inc({ method: ctx.method, route: routeName, status: String(ctx.status) });
        durations.observe((performance.now() - started) / 1000, { route: routeName });
      }
      // A 503 says "not ready" or "the LLM is away", as it was told to: that is no error of ours.
      const failed = ctx.status >= 500 && ctx.status !== 503;
      if (logger.isLevelEnabled('debug') || failed) {
        logger[failed ? 'error' : 'debug'](
          { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
          'request',
        );
      }
    }
  });
  app.use(problemMiddleware(logger));
  if (deps.config.authMode === 'local') app.use(localModeGuard());
  // One EntityManager fork per request: its identity map lives and dies with the request.
  // Forked on first use: the hot read and create paths use plain SQL and never pay for a fork.
  app.use(async (ctx, next) => {
    let fork: ReturnType<typeof deps.db.orm.em.fork> | undefined;
    Object.defineProperty(ctx.state, 'em', { get: () => (fork ??= deps.db.orm.em.fork()), configurable: true });
    return next();
  });
  app.use(
    authMiddleware({ mode: deps.config.authMode, adminToken: deps.config.adminToken, localUserId: deps.localUserId, metricsToken: deps.config.metrics.token, cache: deps.keyCache as KeyCache }),
  );
  app.use(router.routes());
  // Sets 405/501 and Allow; problemMiddleware turns the empty response into a problem document.
  app.use(router.allowedMethods());
  for (const mw of opts.after ?? []) app.use(mw);
  app.on('error', (err) => logger.error({ err }, 'unhandled app error'));
  return app;
}
