import { sqlOf } from '../../store/sql.ts';
import { dependencyGraph } from '../../models/task-graph.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { GraphOut } from '../schemas.ts';

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
