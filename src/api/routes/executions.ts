import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AppError, ConflictError, NotFoundError } from '../../errors.ts';
import { completeDispatched } from '../../store/task-actions.ts';
import { hashWorkerToken } from '../task-action.ts';
import { Execution } from '../../models/execution.ts';
import { ExecutionStep } from '../../models/execution-step.ts';
import { CHANNELS, notify } from '../../models/notify.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { ExecutionOut, isRowId, StepOut } from '../schemas.ts';
import { executionJson, stepJson } from '../serialize.ts';
import { em } from './tasks.ts';

async function loadExecution(e: EntityManager, userId: string, id: string): Promise<Execution> {
  if (!isRowId(id)) throw new NotFoundError('execution');
  const x = await e.findOne(Execution, { id, userId });
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

export function executionRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/executions/:id/complete',
      tag: 'executions',
      summary: "A worker reports the outcome of a fire handed to RabbitMQ (Authorization: Bearer <the task's worker token>)",
      access: 'public',
      body: CompleteSchema,
      responses: {
        200: { description: 'the recorded outcome' },
        401: { description: "no worker token, or not this execution's task's" },
        404: { description: 'no such execution' },
        409: { description: 'not dispatched (already reported, or not an amqp fire)' },
      },
      async handler(ctx, { params, body }) {
        const id = params.id as string;
        const token = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
        if (!token) throw new AppError(401, 'unauthorized', "Authorization: Bearer <the task's worker token> is required", { expose: true });
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
      summary: 'One execution with its steps (LLM calls and tool calls)',
      access: 'user',
      responses: { 200: { description: 'the execution', schema: ExecutionOut.extend({ steps: StepOut.array() }) }, 404: { description: 'no such execution' } },
      async handler(ctx, { params, principal }) {
        const x = await loadExecution(em(ctx), principal.userId, params.id as string);
        const steps = await em(ctx).find(ExecutionStep, { executionId: x.id }, { orderBy: { index: 'asc' } });
        ctx.body = { ...executionJson(x), steps: steps.map(stepJson) };
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
