import { z } from 'zod';
import { sqlOf } from '../../models/sql.ts';
import { dependencyGraph } from '../../models/task-graph.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';

const GraphOut = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      enabled: z.boolean(),
      scheduled: z.boolean().describe('false: it runs only after the tasks it depends on'),
      nextRunAt: z.string().nullable(),
      lastStatus: z.string().nullable(),
      lastRunAt: z.string().nullable(),
    }),
  ),
  edges: z.array(
    z.object({
      from: z.string().describe('runs first'),
      to: z.string().describe('runs after `from`'),
      satisfied: z.boolean().describe('`from` succeeded since `to` last ran on it'),
    }),
  ),
});

/** Mounted before the task routes: `/api/tasks/graph` must not be read as a task id. */
export function graphRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/tasks/graph',
      tag: 'tasks',
      summary: 'Your tasks that have dependencies or dependents, and the edges between them (for drawing)',
      access: 'user',
      responses: { 200: { description: 'nodes and edges', schema: GraphOut } },
      async handler(ctx, { principal }) {
        ctx.body = await dependencyGraph(sqlOf(deps.db.pool), principal.userId);
      },
    }),
  ];
}
