import { AppError } from '../../errors.ts';
import { ping } from '../../store/scheduler-status.ts';
import type { AppDeps } from '../deps.ts';
import { authorizeMetrics, METRICS_CONTENT_TYPE } from '../metrics-server.ts';
import { type RouteDef, route } from '../route.ts';

export function healthRoutes(deps: AppDeps, openapi: () => unknown): RouteDef[] {
  const routes: RouteDef[] = [
    route({
      method: 'get',
      path: '/healthz',
      tag: 'ops',
      summary: 'Liveness: the process is up (answers before start-up sync)',
      access: 'public',
      responses: { 200: { description: 'alive' } },
      handler(ctx) {
        ctx.body = { status: 'ok' };
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      tag: 'ops',
      summary: 'Readiness: start-up sync done and the database reachable',
      access: 'public',
      responses: { 200: { description: 'ready' }, 503: { description: 'not ready yet' } },
      async handler(ctx) {
        if (!deps.isReady()) throw new AppError(503, 'not_ready', 'start-up sync has not finished', { expose: true });
        try {
          await ping(deps.db.pool);
        } catch (err) {
          throw new AppError(503, 'database_unreachable', 'the database is not reachable', { cause: err, expose: true });
        }
        const broker = deps.amqp?.problem();
        if (broker) throw new AppError(503, 'broker_unreachable', broker, { expose: true });
        ctx.body = { status: 'ready' };
      },
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      tag: 'ops',
      summary: 'This document',
      access: 'public',
      responses: { 200: { description: 'OpenAPI 3.0' } },
      handler(ctx) {
        ctx.body = openapi();
      },
    }),
  ];
  // With METRICS_PORT or METRICS_HOST set, /metrics has a listener of its own and is not served here.
  if (!deps.config.metrics.listener) {
    routes.push(
      route({
        method: 'get',
        path: '/metrics',
        tag: 'ops',
        summary: 'Prometheus metrics of this process (HTTP, fires, runs, queues, memory); with METRICS_TOKEN set, needs Authorization: Bearer $METRICS_TOKEN',
        access: 'public',
        responses: { 200: { description: 'text exposition format 0.0.4', contentType: 'text/plain' }, 401: { description: 'METRICS_TOKEN is set and was not presented' } },
        handler(ctx) {
          authorizeMetrics(ctx, deps.config.metrics.token);
          ctx.type = METRICS_CONTENT_TYPE;
          ctx.body = deps.metrics?.render() ?? '';
        },
      }),
    );
  }
  return routes;
}
