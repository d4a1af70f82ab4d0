// GET /api/executions: the user's runs across all their tasks (the web app's "All runs", and a
// task's history), newest first, cursor-paginated like a task's own list.
import { latestRuns, listRuns, type RunRow } from '../../store/runs.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { ListRunsQuery, page, RunOut } from '../schemas.ts';
import { executionJson, pageOf } from '../serialize.ts';

const runJson = (r: RunRow) => ({ ...executionJson(r), taskName: r.taskName, failedToolCalls: r.failedToolCalls, firstToolError: r.firstToolError });

export function runRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/executions',
      tag: 'executions',
      summary: 'Your executions across your tasks, newest first, with each task name and its failed tool calls (latest=true: the last finished run of each task)',
      access: 'user',
      query: ListRunsQuery,
      responses: { 200: { description: 'a page of executions', schema: page(RunOut) } },
      async handler(ctx, { query, principal }) {
        if (query.latest) {
          ctx.body = { items: (await latestRuns(deps.db.pool, principal.userId, query.limit)).map(runJson), nextCursor: null };
          return;
        }
        const rows = await listRuns(deps.db.pool, { userId: principal.userId, taskId: query.taskId, status: query.status, before: query.cursor, limit: query.limit });
        ctx.body = pageOf(rows, query.limit, runJson);
      },
    }),
  ];
}
