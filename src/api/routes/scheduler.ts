import { z } from 'zod';
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
        const [instances, counts] = await Promise.all([
          pool.query<{ id: string; host: string; pid: number; mode: string; started_at: string; last_seen: string; running: number; queued: number; last_lag_ms: number | null }>(
            `select id, host, pid, mode, to_json(started_at) #>> '{}' as started_at, to_json(last_seen) #>> '{}' as last_seen, running, queued, last_lag_ms
               from scheduler_instances where last_seen > now() - interval '30 seconds' order by started_at`,
          ),
          pool.query<{ due: number; running: number; queued: number }>(
            `select (select count(*) from tasks where enabled and next_run_at < now() + interval '1 minute')::int as due,
                    (select count(*) from executions where status = 'running')::int as running,
                    (select count(*) from executions where status = 'queued')::int as queued`,
          ),
        ]);
        const c = counts.rows[0] ?? { due: 0, running: 0, queued: 0 };
        const newest = instances.rows.reduce<(typeof instances.rows)[number] | null>((a, b) => (!a || b.last_seen > a.last_seen ? b : a), null);
        ctx.body = {
          instances: instances.rows.map((i) => ({
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
