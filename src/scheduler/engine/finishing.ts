// Finishing: what happens after a run returns. The result becomes a record (with a retry when the
// failure is transient and attempts remain), records are written in batches, the tasks that run
// after a success are triggered, and the runner slot is handed to the next fire.
import { type Batcher, createBatcher } from '../batcher.ts';
import type { ClaimedFire } from '../claim.ts';
import { triggerDependents } from '../dependencies.ts';
import { type Finish, recordFinishes, recordSkips, recordStarts } from '../record.ts';
import { type RunResult, yieldToSends } from '../runner-port.ts';
import type { Holding } from './holding.ts';
import { abortRun, type EngineState, localNow } from './state.ts';

const MAX_RETRY_DELAY_MS = 10 * 60_000;

export interface StartRecord {
  id: string;
  epoch: number;
  startedAt: number;
  recorded: (ours: boolean) => void;
}

export interface Finishing {
  /** Records that a run started (batched; `recorded` says whether the fire was still ours). */
  recordStart(start: StartRecord): void;
  /** Records a fire skipped because its task was busy, and announces it. */
  skip(fire: ClaimedFire): void;
  /** Turns a run's result into its record and frees its slot (`onFree` is then called). */
  finish(fire: ClaimedFire, result: RunResult): void;
  /** Writes everything still batched (shutdown). */
  close(): Promise<void>;
}

export function createFinishing(s: EngineState, holding: Holding, onFree: () => void): Finishing {
  const { logger, clock } = s.opts;
  const pool = s.opts.db.pool;
  const starts: Batcher<StartRecord> = createBatcher({
    name: 'starts',
    logger,
    clock,
    delayMs: 0,
    maxBatch: 2000,
    write: async (items) => {
      const notOurs = await recordStarts(pool, s.id, s.leaseMs, items);
      for (const x of items) x.recorded(!notOurs.has(x.id));
      for (const x of notOurs) abortRun(s, x, 'lost');
    },
  });
  // Finishes and skips wait one turn of the event loop for company; a write in flight gathers the rest.
  const finishes: Batcher<Finish> = createBatcher({
    name: 'finishes',
    logger,
    clock,
    delayMs: 0,
    maxBatch: 1000,
    ready: () => yieldToSends(s.opts.sendBacklog, clock),
    write: async (items) => {
      // A run can finish before its start was written: write starts first, in order.
      await starts.flush();
      const { tasks, dependents } = await recordFinishes(pool, s.id, items);
      for (const t of tasks) if (t.paused) holding.dropTask(t.taskId);
      s.events.emit('recorded', items);
      // The successes are committed on the edges: a failure here is only late, the sweep triggers them.
      if (dependents.length) {
        await triggerDependents(pool, dependents).then(
          (r) => s.events.emit('dependents', { ...r, checked: dependents }),
          (err) => logger.warn({ err: (err as Error).message }, 'triggering dependents failed; the dependency sweep will'),
        );
      }
    },
  });
  const skips: Batcher<{ id: string; epoch: number }> = createBatcher({
    name: 'skips',
    logger,
    clock,
    delayMs: 0,
    maxBatch: 1000,
    write: (items) => recordSkips(pool, s.id, items),
  });

  function retryDelay(attempt: number): number {
    const base = Math.min(s.retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  function toRecord(f: ClaimedFire, r: RunResult, reason: string | undefined, now: number): Finish | null {
    const base = { id: f.executionId, epoch: f.epoch, finishedAt: now, usage: r.usage, pauseReason: null, output: null, error: null, retryAt: null };
    if (r.status === 'succeeded') return { ...base, status: 'succeeded', output: r.output };
    if (r.status === 'failed') {
      const retry = r.transient && f.attempt < f.maxAttempts;
      return { ...base, status: 'failed', error: r.error, retryAt: retry ? now + retryDelay(f.attempt) : null, pauseReason: r.pauseTask ?? null };
    }
    if (reason === 'released') {
      // Shutdown outlasted the grace period: hand the run to whoever is up, as a fresh attempt.
      return {
        ...base,
        status: 'interrupted',
        error: { type: 'released', message: 'the scheduler shut down before this run finished; it was retried' },
        retryAt: now,
      };
    }
    // 'cancelled' and 'lost' runs are not ours to record: the database already says what happened.
    return null;
  }

  return {
    recordStart: (start) => starts.add(start),
    skip(fire) {
      skips.add({ id: fire.executionId, epoch: fire.epoch });
      s.events.emit('skipped', fire);
    },
    finish(f, r) {
      const entry = s.running.get(f.executionId);
      s.running.delete(f.executionId);
      const n = (s.runningTasks.get(f.taskId) ?? 1) - 1;
      if (n > 0) s.runningTasks.set(f.taskId, n);
      else s.runningTasks.delete(f.taskId);
      const rec = toRecord(f, r, entry?.reason, localNow(s));
      if (rec) finishes.add(rec);
      s.events.emit('finished', { fire: f, result: r });
      s.onRunEnded?.();
      onFree();
    },
    async close() {
      await starts.close();
      await finishes.close();
      await skips.close();
    },
  };
}
