import { z } from 'zod';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { Execution } from '../../models/execution.ts';
import { deleteOrphanedJob, findJob, type JobRow, type JobService, listJobs, serviceOf } from '../../store/jobs.ts';
import { createRunWriter } from '../../models/run-writer.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { queuedRunJson, queueRunNow } from '../run-now.ts';
import { ExecutionOut, isRowId, JOB_SERVICES, JobOut, ListExecutionsQuery, page, RunTaskSchema } from '../schemas.ts';
import { executionJson, scheduleJson, specOf } from '../serialize.ts';
import { em } from './tasks.ts';

// One listing of everything scheduled, for admins: the system jobs declared in code
// (src/scheduler/system-jobs.ts) and every user's tasks, with a manual run for both.

const DECLARED_IN = 'src/scheduler/system-jobs.ts';

const ListJobsQuery = z
  .object({
    service: z.enum(JOB_SERVICES).optional(),
    cursor: z
      .string()
      .refine((c) => /^(system|tasks):\d+$/.test(c) && isRowId(c.slice(c.indexOf(':') + 1)), 'must be a cursor returned as nextCursor')
      .transform((c) => {
        const [service, id] = c.split(':') as [JobService, string];
        return { service, id };
      })
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString());

function jobJson(r: JobRow) {
  const spec = specOf(r);
  const service = serviceOf(r);
  return {
    service,
    id: r.id,
    name: r.name,
    description: r.description,
    schedule: spec ? scheduleJson(spec) : null,
    timezone: r.timezone,
    enabled: r.enabled,
    status: r.orphaned ? ('orphaned' as const) : r.enabled ? ('active' as const) : ('paused' as const),
    pausedReason: r.paused_reason,
    nextRunAt: iso(r.next_ms),
    lastRunAt: iso(r.last_ms),
    lastStatus: r.last_status,
    userId: service === 'tasks' ? r.user_id : null,
  };
}

function parseService(s: string | undefined): JobService {
  if (s === 'system' || s === 'tasks') return s;
  throw new NotFoundError('job');
}

export function jobRoutes(deps: AppDeps): RouteDef[] {
  const pool = deps.db.pool;
  const runs = createRunWriter({ pool, clock: deps.clock, logger: deps.logger });
  const load = async (service: string | undefined, id: string | undefined) => {
    const job = await findJob(pool, parseService(service), id ?? '');
    if (!job) throw new NotFoundError('job');
    return job;
  };
  return [
    route({
      method: 'get',
      path: '/api/jobs',
      tag: 'jobs',
      summary: "Everything scheduled (admins): system jobs declared in code, then every user's tasks, newest first",
      access: 'admins',
      query: ListJobsQuery,
      responses: { 200: { description: 'a page of jobs', schema: page(JobOut) }, 401: { description: 'no admin credentials' } },
      async handler(ctx, { query }) {
        const rows = await listJobs(pool, query);
        const items = rows.slice(0, query.limit);
        const last = items[items.length - 1];
        ctx.body = { items: items.map(jobJson), nextCursor: rows.length > query.limit && last ? `${serviceOf(last)}:${last.id}` : null };
      },
    }),
    route({
      method: 'get',
      path: '/api/jobs/:service/:id/executions',
      tag: 'jobs',
      summary: "A system job's or a user task's executions, newest first (admins)",
      access: 'admins',
      query: ListExecutionsQuery,
      responses: { 200: { description: 'a page of executions', schema: page(ExecutionOut) }, 404: { description: 'no such job' } },
      async handler(ctx, { params, query }) {
        const job = await load(params.service, params.id);
        const where: Record<string, unknown> = { taskId: job.id };
        if (query.status) where.status = query.status;
        if (query.cursor) where.id = { $lt: query.cursor };
        const rows = await em(ctx).find(Execution, where, { orderBy: { id: 'desc' }, limit: query.limit + 1 });
        const items = rows.slice(0, query.limit);
        ctx.body = { items: items.map(executionJson), nextCursor: rows.length > query.limit ? (items[items.length - 1]?.id ?? null) : null };
      },
    }),
    route({
      method: 'post',
      path: '/api/jobs/:service/:id/run',
      tag: 'jobs',
      summary: 'Run a system job or a user task now (admins): a manual execution, queued for the engine',
      access: 'admins',
      body: RunTaskSchema,
      responses: {
        202: { description: 'the queued execution', schema: ExecutionOut },
        404: { description: 'no such job' },
        409: { description: 'an orphaned system job (no longer declared in code); a run in progress under overlap "skip"; a spent monthly token budget' },
      },
      async handler(ctx, { params, body }) {
        const job = await load(params.service, params.id);
        if (job.orphaned) throw new ConflictError(`system job "${job.name}" is no longer declared in code (${DECLARED_IN}); it cannot run`);
        if (job.kind === 'system' && body.dryRun) {
          throw new ValidationError('dryRun: system jobs have no dry run', [{ path: 'dryRun', message: 'system jobs have no dry run' }]);
        }
        // The task's own rules hold for admins too: its overlap policy and its monthly budget.
        const queued = await queueRunNow(runs, { userId: job.user_id, taskId: job.id, dryRun: body.dryRun ?? false });
        ctx.status = 202;
        ctx.set('Location', `/api/executions/${queued.id}`);
        ctx.body = queuedRunJson(queued);
      },
    }),
    route({
      method: 'delete',
      path: '/api/jobs/system/:id',
      tag: 'jobs',
      summary: 'Refused for a system job declared in code (remove it there); deletes an orphaned one with its history (admins)',
      access: 'admins',
      responses: { 204: { description: 'the orphaned job was deleted' }, 404: { description: 'no such system job' }, 409: { description: 'declared in code' } },
      async handler(ctx, { params }) {
        const job = await load('system', params.id);
        if (!job.orphaned) {
          throw new AppError(
            409,
            'declared_in_code',
            `system job "${job.name}" is declared in code; remove it from ${DECLARED_IN} (the next start-up marks it orphaned)`,
            { details: { job: job.name, declaredIn: DECLARED_IN } },
          );
        }
        await deleteOrphanedJob(pool, job.id);
        ctx.status = 204;
      },
    }),
  ];
}
