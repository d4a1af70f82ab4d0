import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { Execution } from '../../models/execution.ts';
import { cancelExecution, findExecution, listExecutions, listSteps, reloadExecution } from '../../store/executions-read.ts';
import { withTx } from '../../store/tx.ts';
import { listRunWebhookDeliveries } from '../../store/run-webhooks.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { ExecutionOut, isRowId, RunWebhookDeliveryOut, StepOut } from '../schemas.ts';
import { executionJson, stepJson } from '../serialize.ts';
import { em } from './tasks.ts';

/** A page of a task's (or a system job's) executions, newest first, for the two list routes. */
export async function executionPage(e: EntityManager, taskId: string, query: { status?: string | undefined; cursor?: string | undefined; limit: number }) {
  const rows = await listExecutions(e, { taskId, status: query.status, before: query.cursor }, query.limit + 1);
  const items = rows.slice(0, query.limit);
  return { items: items.map(executionJson), nextCursor: rows.length > query.limit ? (items[items.length - 1]?.id ?? null) : null };
}

async function loadExecution(e: EntityManager, userId: string, id: string): Promise<Execution> {
  if (!isRowId(id)) throw new NotFoundError('execution');
  const x = await findExecution(e, userId, id);
  if (!x) throw new NotFoundError('execution');
  return x;
}

export function executionRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/executions/:id',
      tag: 'executions',
      summary: "One execution with its steps (LLM calls and tool calls) and its task webhook's deliveries",
      access: 'user',
      responses: { 200: { description: 'the execution', schema: ExecutionOut.extend({ steps: StepOut.array(), webhookDeliveries: RunWebhookDeliveryOut.array() }) }, 404: { description: 'no such execution' } },
      async handler(ctx, { params, principal }) {
        const x = await loadExecution(em(ctx), principal.userId, params.id as string);
        const [steps, webhookDeliveries] = await Promise.all([listSteps(em(ctx), x.id), listRunWebhookDeliveries(deps.db.pool, x.id)]);
        ctx.body = { ...executionJson(x), steps: steps.map(stepJson), webhookDeliveries };
      },
    }),
    route({
      method: 'post',
      path: '/api/executions/:id/cancel',
      tag: 'executions',
      summary: 'Cancel a queued or running execution (a running one is aborted by its engine)',
      access: 'user',
      responses: { 200: { description: 'the execution', schema: ExecutionOut }, 404: { description: 'no such execution' }, 409: { description: 'already finished' } },
      async handler(ctx, { params, principal }) {
        const e = em(ctx);
        const found = await loadExecution(e, principal.userId, params.id as string);
        const cancelled = await withTx(deps.db.pool, (c) => cancelExecution(c, found.id));
        await reloadExecution(e, found);
        if (!cancelled) throw new ConflictError(`execution already ${found.status}`, { executionStatus: found.status });
        ctx.body = executionJson(found);
      },
    }),
  ];
}
