import type pg from 'pg';
import type { ExecutionError } from '../models/execution.ts';
import {
  dropQueuedFires,
  extendLeases,
  insertRetries,
  insertRetriesAfter,
  type InterruptedRun,
  interruptExpired,
  markFinished,
  markSkipped,
  markStarted,
  markTasksInterrupted,
  type TaskFinish,
  unclaimQueued,
  updateTasksAfterFinish,
} from '../store/executions.ts';
import { withTx } from '../store/tx.ts';
import { markSuccesses } from './dependencies.ts';
import type { RunUsage } from './runner-port.ts';

// What the engine records about its runs, in batches; the statements are in src/store/executions.ts,
// every one fenced on (owner, epoch, status).

export { dropQueuedFires };

/** Marks started runs `running`; returns the ids that were NOT ours to start (abort those). */
export async function recordStarts(
  pool: pg.Pool,
  owner: string,
  leaseMs: number,
  starts: Array<{ id: string; epoch: number; startedAt: number }>,
): Promise<Set<string>> {
  const ok = await markStarted(pool, owner, leaseMs, starts);
  return new Set(starts.filter((s) => !ok.has(s.id)).map((s) => s.id));
}

/** Records fires skipped because the previous run of their task was still going (overlap: skip). */
export async function recordSkips(pool: pg.Pool, owner: string, skips: Array<{ id: string; epoch: number }>): Promise<void> {
  await markSkipped(pool, owner, skips);
}

export interface Finish {
  id: string;
  epoch: number;
  status: 'succeeded' | 'failed' | 'interrupted';
  output: string | null;
  error: ExecutionError | null;
  usage: RunUsage;
  finishedAt: number;
  /** Schedule another attempt at this instant (transient failure with attempts left, or a released run). */
  retryAt: number | null;
  pauseReason: string | null;
}

export interface FinishedTask {
  taskId: string;
  userId: string;
  paused: boolean;
}

export interface FinishesRecorded {
  tasks: FinishedTask[];
  /** Tasks that run after a task that just succeeded: their joins may now be satisfied (dependencies.ts). */
  dependents: string[];
}

/**
 * Records terminal results in one transaction: the executions (fenced), their retries, the
 * tasks' last status, consecutive failures and self-pausing, and each success on the edges of
 * the tasks that run after it (so a crash after this commit loses no success). Returns the tasks
 * touched and the dependents to check.
 */
export async function recordFinishes(pool: pg.Pool, owner: string, finishes: Finish[]): Promise<FinishesRecorded> {
  return await withTx(pool, async (client) => {
    const done = await markFinished(
      client,
      owner,
      finishes.map((f) => ({
        id: f.id,
        epoch: f.epoch,
        status: f.status,
        output: f.output,
        error: f.error ? JSON.stringify(f.error) : null,
        promptTokens: f.usage.promptTokens,
        completionTokens: f.usage.completionTokens,
        llmCalls: f.usage.llmCalls,
        toolCalls: f.usage.toolCalls,
        finishedAt: f.finishedAt,
      })),
    );
    const byId = new Map(finishes.map((f) => [f.id, f]));
    const retries = done.filter((r) => byId.get(r.id)?.retryAt != null);
    if (retries.length) {
      await insertRetries(
        client,
        retries.map((r) => ({ taskId: r.task_id, userId: r.user_id, attempt: r.attempt + 1, at: byId.get(r.id)?.retryAt as number, dryRun: r.dry_run })),
      );
    }
    // One row per task (the latest finish wins); dry runs never move a task's status.
    const perTask = new Map<string, TaskFinish>();
    const successes = new Map<string, string>();
    for (const r of done) {
      const f = byId.get(r.id) as Finish;
      if (r.dry_run) continue;
      if (f.status === 'succeeded') successes.set(r.task_id, r.id);
      const finalFailure = f.status !== 'succeeded' && f.retryAt == null ? 1 : 0;
      const prev = perTask.get(r.task_id);
      perTask.set(r.task_id, {
        taskId: r.task_id,
        fin: Math.max(prev?.fin ?? 0, f.finishedAt),
        status: f.status,
        finalFailures: (prev?.finalFailures ?? 0) + finalFailure,
        pause: f.pauseReason ?? prev?.pause ?? null,
        lastError: f.error?.message ?? prev?.lastError ?? null,
      });
    }
    const touched: FinishedTask[] = [];
    if (perTask.size) {
      const updated = await updateTasksAfterFinish(client, [...perTask.values()]);
      const paused = updated.filter((r) => r.paused).map((r) => r.id);
      if (paused.length) await dropQueuedFires(client, paused, 'paused');
      for (const r of updated) touched.push({ taskId: r.id, userId: r.user_id, paused: r.paused });
    }
    const dependents = successes.size ? await markSuccesses(client, successes) : [];
    return { tasks: touched, dependents };
  });
}

/** Extends the leases of executions this replica holds; returns the ids it no longer holds. */
export async function renewLeases(pool: pg.Pool, owner: string, leaseMs: number, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const held = await extendLeases(pool, owner, leaseMs, ids);
  return new Set(ids.filter((id) => !held.has(id)));
}

/** Gives back queued fires this replica claimed but will not start (shutdown): others take them at once. */
export async function releaseQueued(pool: pg.Pool, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await unclaimQueued(pool, owner, ids);
}

/**
 * Marks running executions whose lease expired (their replica died) `interrupted`, and queues a
 * retry for each that has attempts left. Any replica may run this; SKIP LOCKED keeps them apart.
 */
/** The next attempt of each interrupted run that has attempts left. */
export function retriesOf(runs: InterruptedRun[]): Array<{ taskId: string; userId: string; attempt: number; dryRun: boolean }> {
  return runs.filter((r) => r.attempt < r.max_attempts).map((r) => ({ taskId: r.task_id, userId: r.user_id, attempt: r.attempt + 1, dryRun: r.dry_run }));
}

export async function sweepOrphans(pool: pg.Pool, retryDelayMs: number, limit = 500): Promise<{ interrupted: number; retried: number }> {
  return await withTx(pool, async (client) => {
    const dead = await interruptExpired(client, limit);
    const retry = retriesOf(dead);
    if (retry.length) await insertRetriesAfter(client, retryDelayMs, retry);
    if (dead.length) await markTasksInterrupted(client, dead.map((r) => r.task_id));
    return { interrupted: dead.length, retried: retry.length };
  });
}
