import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import type { QueuedRun, RunRequestRow, RunWriter } from '../models/run-writer.ts';
import { executionJson } from './serialize.ts';

/**
 * Queues a manual run the way the task's own rules allow (POST /api/tasks/:id/run and the admins'
 * POST /api/jobs/:service/:id/run): 404 for no such task, 409 while a run is in progress under
 * overlap "skip" or once its monthly token budget is spent.
 */
export async function queueRunNow(runs: RunWriter, req: RunRequestRow): Promise<QueuedRun> {
  let outcome = await runs.queue(req);
  // Another replica queued a run of the task at the same microsecond; the next instant is free.
  if (outcome.kind === 'collided') outcome = await runs.queue(req);
  switch (outcome.kind) {
    case 'queued':
      return outcome.run;
    case 'not_found':
      throw new NotFoundError('task');
    case 'running':
      throw new AppError(409, 'run_in_progress', 'a run of this task is in progress and its overlap policy is "skip": wait for it to finish, or set overlap to "allow"');
    case 'budget':
      throw new AppError(409, 'budget_exhausted', `this task used ${outcome.used} of its ${outcome.budget} tokens this month (monthlyTokenBudget): raise the budget to run it now`, {
        details: { used: outcome.used, budget: outcome.budget },
      });
    default:
      throw new ConflictError('another run of this task was queued at the same instant; retry');
  }
}

/** The response body of a run just queued. */
export function queuedRunJson(q: QueuedRun) {
  return executionJson({
    id: q.id,
    taskId: q.taskId,
    status: 'queued',
    trigger: 'manual',
    attempt: 1,
    scheduledFor: q.scheduledFor,
    startedAt: null,
    finishedAt: null,
    output: null,
    error: null,
    promptTokens: 0,
    completionTokens: 0,
    llmCalls: 0,
    toolCalls: 0,
    dryRun: q.dryRun,
    satisfiedBy: null,
    waitUntil: null,
  });
}
