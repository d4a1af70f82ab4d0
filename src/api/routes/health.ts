import { AppError } from '../../errors.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';

export function healthRoutes(deps: AppDeps, openapi: () => unknown): RouteDef[] {
  return [
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
          await deps.db.pool.query('select 1');
        } catch (err) {
          throw new AppError(503, 'database_unreachable', 'the database is not reachable', { cause: err, expose: true });
        }
        ctx.body = { status: 'ready' };
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      tag: 'ops',
      summary: 'Prometheus metrics of this process (HTTP, fires, runs, queues, memory)',
      access: 'public',
      responses: { 200: { description: 'text exposition format 0.0.4', contentType: 'text/plain' } },
      handler(ctx) {
        ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
        ctx.body = deps.metrics?.render() ?? '';
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
}
