import type { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { Execution } from '../../models/execution.ts';
import { ExecutionStep } from '../../models/execution-step.ts';
import { CHANNELS, notify } from '../../models/notify.ts';
import { listRunWebhookDeliveries } from '../../store/run-webhooks.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { ExecutionOut, isRowId, RunWebhookDeliveryOut, StepOut } from '../schemas.ts';
import { executionJson, stepJson } from '../serialize.ts';
import { em } from './tasks.ts';

async function loadExecution(e: EntityManager, userId: string, id: string): Promise<Execution> {
  if (!isRowId(id)) throw new NotFoundError('execution');
  const x = await e.findOne(Execution, { id, userId });
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
        const [steps, webhookDeliveries] = await Promise.all([
          em(ctx).find(ExecutionStep, { executionId: x.id }, { orderBy: { index: 'asc' } }),
          listRunWebhookDeliveries(deps.db.pool, x.id),
        ]);
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
        // The owner's later attempt to record a result is fenced on status, so it cannot undo this.
        const cancelled = await e.transactional(async (tx) => {
          const rows = await tx.execute<{ id: string }[]>(
            `update executions set status = 'cancelled', finished_at = now(), lease_until = null,
                    error = '{"type":"cancelled","message":"cancelled by the user"}'::jsonb
              where id = ? and status in ('queued', 'running') returning id`,
            [found.id],
          );
          if (rows.length) await notify(tx, CHANNELS.cancel, { id: found.id });
          return rows.length > 0;
        });
        await e.refresh(found);
        if (!cancelled) throw new ConflictError(`execution already ${found.status}`, { executionStatus: found.status });
        ctx.body = executionJson(found);
      },
    }),
  ];
}
