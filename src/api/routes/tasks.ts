import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { findReading, type Reading } from '../../store/schedule-readings.ts';
import { CHANNELS, notify } from '../../models/notify.ts';
import { sqlOfEm } from '../../store/sql.ts';
import type { Task } from '../../models/task.ts';
import { findUserTask, saveTask } from '../../store/task-entities.ts';
import { dependenciesOf, dependentsOf, normalizeAfter } from '../../store/task-graph.ts';
import { deleteTask, findTask, listTasks, lockTask } from '../../store/tasks.ts';
import { createRunWriter } from '../../models/run-writer.ts';
import { atIndex, createTaskWriter } from '../../models/task-writer.ts';
import type { NewTask, TaskView } from '../../store/tasks.ts';
import type { TaskAction } from '../../actions/action.ts';
import { checkAction, newWorkerToken, saveAction } from '../task-action.ts';
import { setDependencies } from '../../scheduler/set-dependencies.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { queuedRunJson, queueRunNow } from '../run-now.ts';
import {
  BatchCreateSchema,
  CreateTaskSchema,
  DeleteTaskQuery,
  ExecutionOut,
  isRowId,
  ListExecutionsQuery,
  ListTasksQuery,
  page,
  RunTaskSchema,
  TaskOut,
  UpdateTaskSchema,
} from '../schemas.ts';
import { pageOf, taskJson, taskState } from '../serialize.ts';
import { executionPage } from './executions.ts';
import { applyUpdate, type InputDeps, type NewTaskFields, resolveCreate, setEnabled } from '../task-input.ts';
import { localeFromAcceptLanguage } from '../../nl-parser/locale.ts';

const IdempotencyKeyHeader = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be 1–255 visible ASCII characters');

export const em = (ctx: Context) => ctx.state.em as EntityManager;

/** Loads a task of this user; another user's task is indistinguishable from a missing one. */
export async function loadTask(e: EntityManager, userId: string, id: string): Promise<Task> {
  if (!isRowId(id)) throw new NotFoundError('task');
  const task = await findUserTask(e, userId, id);
  if (!task) throw new NotFoundError('task');
  return task;
}

export function inputDeps(deps: AppDeps, ctx: Context): InputDeps {
  const locale = localeFromAcceptLanguage(ctx.get('accept-language'));
  return {
    parser: deps.parser,
    minIntervalSeconds: deps.config.limits.minIntervalSeconds,
    now: deps.clock.now(),
    signal: ctx.state.signal,
    models: deps.config.openai.models,
    ...(locale ? { locale } : {}),
  };
}

/** The preview reading a create confirms: the user's own, not expired. */
async function confirmedReading(deps: AppDeps, userId: string, parseId: string): Promise<Reading> {
  const reading = await findReading(deps.db.pool, userId, parseId);
  if (!reading) throw new AppError(422, 'reading_unknown', 'parseId: no such reading; read the text again', { errors: [{ path: 'parseId', message: 'no such reading' }] });
  if (reading.expiresAt.getTime() <= deps.clock.now().getTime()) {
    throw new AppError(410, 'reading_expired', 'parseId: the reading has expired; read the text again', { errors: [{ path: 'parseId', message: 'expired' }] });
  }
  return reading;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The request's Idempotency-Key claim: the key and a hash of the body it came with. */
function idempotencyOf(ctx: Context, body: unknown): { key: string; hash: string } | undefined {
  const rawKey = ctx.get('idempotency-key');
  if (!rawKey) return undefined;
  const k = IdempotencyKeyHeader.safeParse(rawKey);
  if (!k.success) throw new ValidationError('Idempotency-Key header is invalid', [{ path: 'Idempotency-Key', message: k.error.issues[0]?.message ?? 'invalid' }]);
  return { key: k.data, hash: createHash('sha256').update(canonical(body)).digest('hex') };
}

/** The fields a create's action adds, written by the task's own insert so that no fire can see the task without them. */
function actionOf(action: TaskAction | undefined) {
  const worker = action?.kind === 'amqp' ? newWorkerToken() : null;
  return { actionFields: action ? { action, workerTokenHash: worker?.hash ?? null } : {}, worker };
}

export function taskRoutes(deps: AppDeps): RouteDef[] {
  const writer = createTaskWriter({ pool: deps.db.pool, maxTasks: deps.config.limits.maxTasksPerUser, logger: deps.logger, clock: deps.clock });
  const runs = createRunWriter({ pool: deps.db.pool, clock: deps.clock, logger: deps.logger });
  return [
    route({
      method: 'post',
      path: '/api/tasks',
      tag: 'tasks',
      summary: 'Create a task from explicit fields, a schedule in plain English, or one chat message',
      access: 'user',
      rateLimit: 'create',
      body: CreateTaskSchema,
      headers: { 'Idempotency-Key': 'the same key and body within 24 h returns the first task instead of a twin' },
      responses: { 201: { description: 'the task', schema: TaskOut }, 410: { description: '`parseId` has expired' }, 422: { description: 'invalid input or a limit reached' }, 503: { description: 'the LLM needed to read the text is unavailable' } },
      async handler(ctx, { body, principal }) {
        const idempotency = idempotencyOf(ctx, body);
        // A retry is answered before the body is resolved again (no second LLM parse for it).
        const earlier = idempotency ? await writer.replay(principal.userId, idempotency.key, idempotency.hash) : null;
        const reading = !earlier && body.parseId ? await confirmedReading(deps, principal.userId, body.parseId) : undefined;
        const fields = earlier ? null : await resolveCreate(body, { ...inputDeps(deps, ctx), ...(reading ? { reading } : {}) });
        if (!earlier) await checkAction(deps, body.action);
        const { actionFields, worker } = actionOf(body.action);
        const { task, replayed } =
          earlier ?? (await writer.create({ fields: { ...(fields as NewTaskFields), ...actionFields, userId: principal.userId }, ...(idempotency ? { idempotency } : {}) }));
        const workerToken = replayed ? null : (worker?.token ?? null);
        ctx.status = 201;
        if (replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.set('Location', `/api/tasks/${task.id}`);
        ctx.body = { ...taskJson(task, task.after), ...(workerToken ? { workerToken } : {}) };
      },
    }),
    route({
      method: 'post',
      path: '/api/tasks/batch',
      tag: 'tasks',
      summary: 'Create up to 1,000 tasks at once: all of them or none',
      access: 'user',
      rateLimit: 'create',
      body: BatchCreateSchema,
      headers: { 'Idempotency-Key': 'the same key and body within 24 h returns the first batch instead of a second one' },
      responses: {
        201: { description: 'the tasks, in request order', schema: z.object({ items: z.array(TaskOut) }) },
        422: { description: 'a task is invalid (named `tasks[i].field`; nothing is created) or the batch would pass the task limit' },
        503: { description: 'the LLM needed to read a text is unavailable' },
      },
      async handler(ctx, { body, principal }) {
        const idempotency = idempotencyOf(ctx, { batch: body.tasks });
        const earlier = idempotency ? await writer.replayMany(principal.userId, idempotency.key, idempotency.hash) : null;
        let result = earlier;
        const tokens = new Map<number, string>();
        // Worker tokens are shown once, by the request that made them (a replay has none).
        const itemJson = (t: TaskView, i: number, replayed: boolean) => ({ ...taskJson(t, t.after), ...(!replayed && tokens.has(i) ? { workerToken: tokens.get(i) } : {}) });
        const items: ReturnType<typeof itemJson>[] = [];
        if (!result) {
          const d = inputDeps(deps, ctx);
          const resolveAt = async (i: number): Promise<NewTask> => {
            const t = body.tasks[i] as (typeof body.tasks)[number];
            try {
              const resolved = await resolveCreate(t, d);
              await checkAction(deps, t.action);
              const { actionFields, worker } = actionOf(t.action);
              if (worker) tokens.set(i, worker.token);
              return { ...resolved, ...actionFields, userId: principal.userId };
            } catch (err) {
              throw atIndex(err, i);
            }
          };
          // A text read by the LLM or an exchange asked of the broker waits on another server: those
          // batches are resolved before the writer's transaction (and the owner's row lock) begins.
          // The rest resolve in CPU alone, while the writer writes the tasks resolved before them.
          const waits = body.tasks.some((t) => t.text !== undefined || t.action?.kind === 'amqp');
          let resolved: NewTask[] | null = null;
          if (waits) {
            resolved = [];
            // One at a time, as before: the first invalid task (by index) is the answer.
            for (let i = 0; i < body.tasks.length; i++) resolved.push(await resolveAt(i));
          }
          result = await writer.createMany(
            principal.userId,
            {
              count: body.tasks.length,
              task: (i) => (resolved ? (resolved[i] as NewTask) : resolveAt(i)),
              // Each chunk's answer is built while the database writes the next one.
              written: (made, from) => {
                for (const [j, t] of made.entries()) items[from + j] = itemJson(t, from + j, false);
              },
            },
            idempotency,
          );
        }
        ctx.status = 201;
        if (result.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.body = { items: result.replayed ? result.tasks.map((t, i) => itemJson(t, i, true)) : items };
      },
    }),
    route({
      method: 'get',
      path: '/api/tasks',
      tag: 'tasks',
      summary: 'List your tasks, newest first',
      access: 'user',
      query: ListTasksQuery,
      responses: { 200: { description: 'a page of tasks', schema: page(TaskOut) } },
      async handler(ctx, { query, principal }) {
        const rows = await listTasks(deps.db.pool, principal.userId, query);
        ctx.body = pageOf(rows, query.limit, (t) => taskJson(t, t.after));
      },
    }),
    route({
      method: 'get',
      path: '/api/tasks/:id',
      tag: 'tasks',
      summary: 'Read a task',
      access: 'user',
      responses: { 200: { description: 'the task', schema: TaskOut }, 404: { description: 'no such task' } },
      async handler(ctx, { params, principal }) {
        const task = isRowId(params.id as string) ? await findTask(deps.db.pool, principal.userId, params.id as string) : null;
        if (!task) throw new NotFoundError('task');
        ctx.body = taskJson(task, task.after);
      },
    }),
    route({
      method: 'patch',
      path: '/api/tasks/:id',
      tag: 'tasks',
      summary: 'Change some fields of a task; a schedule or timezone change recomputes nextRunAt',
      access: 'user',
      rateLimit: 'edit',
      body: UpdateTaskSchema,
      responses: { 200: { description: 'the task', schema: TaskOut }, 404: { description: 'no such task' }, 422: { description: 'invalid input' } },
      async handler(ctx, { body, params, principal }) {
        await checkAction(deps, body.action);
        const { task, after } = await em(ctx).transactional(async (tx) => {
          const t = await loadTask(tx, principal.userId, params.id as string);
          const sql = sqlOfEm(tx);
          const wanted = body.after !== undefined ? normalizeAfter(body.after) : await dependenciesOf(sql, t.id);
          const timingChanged = await applyUpdate(t, body, inputDeps(deps, ctx), wanted.length > 0);
          if (body.after !== undefined) await setDependencies(sql, t, wanted);
          await saveTask(tx, t, 'updated', timingChanged);
          return { task: t, after: body.after !== undefined ? await dependenciesOf(sql, t.id) : wanted };
        });
        let workerToken: string | null = null;
        if (body.action) {
          // A task that turns amqp gets its worker token now (shown in this answer only).
          workerToken = await saveAction(deps.db.pool, task.id, body.action, { hasToken: Boolean(task.workerTokenHash) });
          task.action = body.action;
        }
        ctx.body = { ...taskJson(task, after), ...(workerToken ? { workerToken } : {}) };
      },
    }),
    route({
      method: 'delete',
      path: '/api/tasks/:id',
      tag: 'tasks',
      summary: 'Delete a task and its history (?detach=true also removes the dependencies of tasks that run after it)',
      access: 'user',
      query: DeleteTaskQuery,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such task' }, 409: { description: 'other tasks run after this one (and detach was not asked)' } },
      async handler(ctx, { params, principal, query }) {
        await em(ctx).transactional(async (tx) => {
          const t = await loadTask(tx, principal.userId, params.id as string);
          // Locked first, so no new dependent can appear between the check and the delete.
          await lockTask(sqlOfEm(tx), t.id);
          const dependents = await dependentsOf(sqlOfEm(tx), t.id);
          if (dependents.length && !query.detach) {
            const list = dependents.map((d) => `#${d.id} ${JSON.stringify(d.name)}`).join(', ');
            throw new ConflictError(`${list} ${dependents.length === 1 ? 'runs' : 'run'} after this task: delete ${dependents.length === 1 ? 'it' : 'them'} first, or pass ?detach=true to remove these dependencies`, { dependents });
          }
          // Edges go with the task (on delete cascade): that is what detaching means.
          await deleteTask(sqlOfEm(tx), t.id);
          await notify(tx, CHANNELS.tasks, { id: t.id, op: 'deleted' });
        });
        ctx.status = 204;
      },
    }),
    ...(['pause', 'resume'] as const).map((action) =>
      route({
        method: 'post',
        path: `/api/tasks/:id/${action}`,
        tag: 'tasks',
        summary: action === 'pause' ? 'Pause a task (fires already claimed are dropped)' : 'Resume a paused task from now on',
        access: 'user',
        rateLimit: 'edit',
        responses:
          action === 'resume'
            ? { 200: { description: 'the task', schema: TaskOut }, 404: { description: 'no such task' }, 409: { description: 'the task is completed (a one-off that ran, or past its endAt): nothing to resume' } }
            : { 200: { description: 'the task', schema: TaskOut }, 404: { description: 'no such task' } },
        async handler(ctx, { params, principal }) {
          const { task, after } = await em(ctx).transactional(async (tx) => {
            const t = await loadTask(tx, principal.userId, params.id as string);
            if (action === 'pause' && t.enabled) setEnabled(t, false);
            if (action === 'resume' && !t.enabled) {
              setEnabled(t, true, deps.clock.now());
              // A task that only runs after others has no fire time of its own.
              if (!t.nextRunAt && t.schedule) {
                const done = taskState({ ...t, enabled: false });
                throw done === 'completed'
                  ? new ConflictError('this task is completed: its schedule has no run left; run it again now, or give it a new schedule')
                  : new ValidationError('this task has no future fire time; give it a new schedule', [{ path: 'schedule', message: 'has no future fire time' }]);
              }
            }
            await saveTask(tx, t, action === 'pause' ? 'paused' : 'resumed', action === 'pause');
            return { task: t, after: await dependenciesOf(sqlOfEm(tx), t.id) };
          });
          ctx.body = taskJson(task, after);
        },
      }),
    ),
    route({
      method: 'post',
      path: '/api/tasks/:id/run',
      tag: 'tasks',
      summary: 'Run a task now (a manual execution, queued for the engine)',
      access: 'user',
      rateLimit: 'runNow',
      body: RunTaskSchema,
      responses: {
        202: { description: 'the queued execution', schema: ExecutionOut },
        404: { description: 'no such task' },
        409: { description: 'run_in_progress: a run is active and overlap is "skip"; monthly_token_budget: the budget is spent this month' },
      },
      async handler(ctx, { body, params, principal }) {
        const id = params.id as string;
        if (!isRowId(id)) throw new NotFoundError('task');
        const req = { userId: principal.userId, taskId: id, dryRun: body.dryRun ?? false };
        const queued = await queueRunNow(runs, req);
        ctx.status = 202;
        ctx.set('Location', `/api/executions/${queued.id}`);
        ctx.body = queuedRunJson(queued);
      },
    }),
    route({
      method: 'get',
      path: '/api/tasks/:id/executions',
      tag: 'executions',
      summary: "A task's executions, newest first",
      access: 'user',
      query: ListExecutionsQuery,
      responses: { 200: { description: 'a page of executions', schema: page(ExecutionOut) }, 404: { description: 'no such task' } },
      async handler(ctx, { query, params, principal }) {
        const t = await loadTask(em(ctx), principal.userId, params.id as string);
        ctx.body = await executionPage(em(ctx), t.id, query);
      },
    }),
  ];
}
