import { z } from 'zod';
import { type InstanceRow, liveInstances, workCounts } from '../../store/scheduler-status.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';

const StatusOut = z.object({
  instances: z.array(
    z.object({ id: z.string(), host: z.string(), pid: z.number(), mode: z.string(), startedAt: z.string(), lastSeen: z.string(), running: z.number(), queued: z.number(), lastLagMs: z.number().nullable() }),
  ),
  dueNextMinute: z.number(),
  running: z.number(),
  queued: z.number(),
  lastFireLagMs: z.number().nullable(),
});

export function schedulerRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/scheduler/status',
      tag: 'scheduler',
      summary: 'Engine replicas seen in the last 30 s, tasks due in the next minute, running and queued executions, lag of the last fire',
      access: 'user',
      responses: { 200: { description: 'cluster-wide status', schema: StatusOut } },
      async handler(ctx) {
        const pool = deps.db.pool;
        const [instances, c] = await Promise.all([liveInstances(pool), workCounts(pool)]);
        const newest = instances.reduce<InstanceRow | null>((a, b) => (!a || b.last_seen > a.last_seen ? b : a), null);
        ctx.body = {
          instances: instances.map((i) => ({
            id: i.id,
            host: i.host,
            pid: i.pid,
            mode: i.mode,
            startedAt: new Date(i.started_at).toISOString(),
            lastSeen: new Date(i.last_seen).toISOString(),
            running: i.running,
            queued: i.queued,
            lastLagMs: i.last_lag_ms,
          })),
          dueNextMinute: c.due,
          running: c.running,
          queued: c.queued,
          lastFireLagMs: newest?.last_lag_ms ?? null,
        };
      },
    }),
  ];
}
