import type { Context } from 'koa';
import { AppError, ConflictError, ServiceUnavailableError, ValidationError } from '../../errors.ts';
import { sqlOfEm } from '../../store/sql.ts';
import type { Task } from '../../models/task.ts';
import { dependenciesOf } from '../../models/task-graph.ts';
import { readEditRules } from '../../nl-parser/edit-rules.ts';
import type { EditTaskView } from '../../nl-parser/edit-llm.ts';
import type { EditOutcome } from '../../nl-parser/parser.ts';
import { describe, nextFire } from '../../scheduler/schedule.ts';
import { findProposal, saveProposal } from '../../store/edit-proposals.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { EDIT_FIELDS, EditOut, EditTaskSchema, UpdateTaskSchema } from '../schemas.ts';
import { specOf, taskJson } from '../serialize.ts';
import { applyUpdate } from '../task-input.ts';
import { saveTask } from '../../store/task-entities.ts';
import { em, inputDeps, loadTask } from './tasks.ts';

function viewOf(t: Task): EditTaskView {
  const spec = specOf(t);
  return { name: t.name, prompt: t.prompt, spec, description: spec ? describe(spec) : null, timezone: t.timezone, enabled: t.enabled, startAt: t.startAt ?? null, endAt: t.endAt ?? null };
}

/** The next runs after the change, within its bounds: "stop after March" shows where the runs end. */
function upcoming(t: Task, now: Date, n: number): string[] {
  const spec = specOf(t);
  if (!spec || !t.enabled) return [];
  const bounds = { startAt: t.startAt ?? null, endAt: t.endAt ?? null };
  const out: string[] = [];
  for (let at: Date | null = now; out.length < n; ) {
    at = nextFire(spec, at, bounds);
    if (!at) break;
    out.push(at.toISOString());
  }
  return out;
}

function changesOf(before: ReturnType<typeof taskJson>, after: ReturnType<typeof taskJson>) {
  return EDIT_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])).map((field) => ({ field, before: before[field], after: after[field] }));
}

/** `POST /api/tasks/:id/edit`: a change in words, proposed (what changes, the new description and runs), then confirmed. */
export function taskEditRoutes(deps: AppDeps): RouteDef[] {
  async function read(ctx: Context, text: string, task: Task, now: Date): Promise<Extract<EditOutcome, { ok: true }>> {
    const view = viewOf(task);
    const outcome: EditOutcome = deps.parser.edit
      ? await deps.parser.edit(text, view, { timezone: task.timezone, now, signal: ctx.state.signal })
      : ((r) => (r.ok ? { ok: true as const, patch: { ...r.patch }, source: 'rules' as const } : { ok: false as const, reason: r.reason, status: 422 as const }))(
          readEditRules(text, { spec: view.spec, timezone: view.timezone, enabled: view.enabled }, now),
        );
    if (outcome.ok) return outcome;
    if (outcome.status === 503) throw new ServiceUnavailableError(outcome.reason);
    throw new AppError(422, 'edit_not_understood', outcome.reason, { errors: [{ path: 'text', message: outcome.reason }], details: { reason: outcome.reason } });
  }

  return [
    route({
      method: 'post',
      path: '/api/tasks/:id/edit',
      tag: 'tasks',
      summary: 'Change a task in plain English: the proposed change first (fields before → after, description, next runs); `confirm: true` applies it',
      access: 'user',
      body: EditTaskSchema,
      responses: {
        200: { description: 'the proposal, or the applied change', schema: EditOut },
        404: { description: 'no such task' },
        409: { description: 'the task changed while the change was being applied; read it again' },
        422: { description: 'not understood (`reason`), or the change is invalid for this task' },
        503: { description: 'the LLM needed to read it is unavailable' },
      },
      async handler(ctx, { body, params, principal }) {
        const now = deps.clock.now();
        const current = await loadTask(em(ctx), principal.userId, params.id as string);
        // A confirm applies what was proposed for these words on this version of the task, without reading them again.
        const proposed = body.confirm ? await findProposal(deps.db.pool, { userId: principal.userId, taskId: current.id, text: body.text, taskVersion: current.updatedAt }, now) : null;
        const { patch, source } = proposed ?? (await read(ctx, body.text, current, now));
        // Validated exactly like a client's PATCH: the reader (rules or model) can propose nothing a user could not send.
        const parsed = UpdateTaskSchema.safeParse(patch);
        if (!parsed.success) {
          const errors = parsed.error.issues.map((i) => ({ path: `patch.${i.path.join('.')}`, message: i.message }));
          throw new ValidationError(`the proposed change is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
        }
        const input = { ...inputDeps(deps, ctx), now };
        const before = taskJson(current, []);

        if (!body.confirm) {
          const after = await dependenciesOf(sqlOfEm(em(ctx)), current.id);
          // A copy of the task's fields, changed and never saved.
          const draft = { ...current } as Task;
          await applyUpdate(draft, parsed.data, input, after.length > 0);
          const kept = await saveProposal(deps.db.pool, { userId: principal.userId, taskId: current.id, text: body.text, patch, source, taskVersion: current.updatedAt }, now);
          ctx.body = {
            applied: false,
            source,
            changes: changesOf(before, taskJson(draft, [])),
            patch,
            task: taskJson(draft, after),
            nextRuns: upcoming(draft, now, 5),
            expiresAt: kept.expiresAt.toISOString(),
          };
          return;
        }

        const { task, after } = await em(ctx).fork().transactional(async (tx) => {
          const t = await loadTask(tx, principal.userId, params.id as string);
          if (t.updatedAt.getTime() !== current.updatedAt.getTime()) throw new ConflictError('the task changed while the edit was applied; read the change again');
          const sql = sqlOfEm(tx);
          const wanted = await dependenciesOf(sql, t.id);
          const timingChanged = await applyUpdate(t, parsed.data, input, wanted.length > 0);
          await saveTask(tx, t, 'updated', timingChanged);
          return { task: t, after: wanted };
        });
        ctx.body = { applied: true, source, changes: changesOf(before, taskJson(task, [])), patch, task: taskJson(task, after), nextRuns: upcoming(task, now, 5) };
      },
    }),
  ];
}
