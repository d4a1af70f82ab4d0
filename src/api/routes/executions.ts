import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AppError, ConflictError, NotFoundError } from '../../errors.ts';
import type { Execution } from '../../models/execution.ts';
import { cancelExecution, findExecution, listExecutions, listSteps, reloadExecution } from '../../store/executions-read.ts';
import { withTx } from '../../store/tx.ts';
import { listRunWebhookDeliveries } from '../../store/run-webhooks.ts';
import { completeDispatched } from '../../store/task-actions.ts';
import { hashWorkerToken } from '../task-action.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { ExecutionOut, isRowId, RunWebhookDeliveryOut, StepOut } from '../schemas.ts';
import { executionJson, pageOf, stepJson } from '../serialize.ts';
import { em } from './tasks.ts';

/** A page of a task's (or a system job's) executions, newest first, for the two list routes. */
export async function executionPage(e: EntityManager, taskId: string, query: { status?: string | undefined; cursor?: string | undefined; limit: number }) {
  const rows = await listExecutions(e, { taskId, status: query.status, before: query.cursor }, query.limit + 1);
  return pageOf(rows, query.limit, executionJson);
}

async function loadExecution(e: EntityManager, userId: string, id: string): Promise<Execution> {
  if (!isRowId(id)) throw new NotFoundError('execution');
  const x = await findExecution(e, userId, id);
  if (!x) throw new NotFoundError('execution');
  return x;
}

const CompleteSchema = z
  .object({
    status: z.enum(['succeeded', 'failed']),
    output: z.string().max(100_000).optional(),
    error: z.union([z.string().min(1).max(10_000), z.object({ type: z.string().min(1).max(100), message: z.string().min(1).max(10_000) }).strict()]).optional(),
  })
  .strict()
  .refine((b) => b.status === 'succeeded' || b.error !== undefined, { path: ['error'], message: 'required when status is failed' });

const CompleteOut = z.object({ id: z.string(), status: z.enum(['succeeded', 'failed']) });

export function executionRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/executions/:id/complete',
      tag: 'executions',
      summary: "A worker reports the outcome of a fire handed to RabbitMQ (X-Worker-Token: the task's worker token)",
      // Not an API key: the worker token travels in its own header, so a Bearer header (an API key
      // the worker may also hold) neither collides with it nor is needed.
      access: 'public',
      body: CompleteSchema,
      headers: { 'X-Worker-Token': "required: the task's worker token (shown once, when the task became amqp)" },
      responses: {
        200: { description: 'the recorded outcome', schema: CompleteOut },
        401: { description: "no worker token, or not this execution's task's" },
        404: { description: 'no such execution' },
        409: { description: 'not dispatched (already reported, or not an amqp fire)' },
      },
      async handler(ctx, { params, body }) {
        const id = params.id as string;
        const token = ctx.get('x-worker-token').trim();
        if (!token) throw new AppError(401, 'unauthorized', "X-Worker-Token: <the task's worker token> is required", { expose: true });
        if (!isRowId(id)) throw new NotFoundError('execution');
        const error = body.error === undefined ? null : typeof body.error === 'string' ? { type: 'worker', message: body.error } : body.error;
        const r = await completeDispatched(deps.db.pool, id, hashWorkerToken(token), { status: body.status, output: body.output ?? null, error: body.status === 'failed' ? error : null });
        if (r.outcome === 'not_found') throw new NotFoundError('execution');
        if (r.outcome === 'forbidden') throw new AppError(401, 'unauthorized', "the token is not this execution's task's worker token", { expose: true });
        if (r.outcome === 'not_dispatched') throw new ConflictError(`execution is ${r.status}, not dispatched`, { executionStatus: r.status });
        ctx.body = { id, status: r.status };
      },
    }),
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
