import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { insertManualRuns, wakeForManualRuns } from '../store/manual-runs.ts';

/**
 * "Run now" with group commit: manual runs requested while writes are in flight are queued in the
 * next statement, together, with up to MAX_IN_FLIGHT statements at once (their commits share WAL
 * flushes). The engines are woken by a separate NOTIFY, at most one in flight: PostgreSQL serialises
 * committing transactions that notify, each with its WAL flush, so an insert that notified itself
 * capped the endpoint (one per request at ~150 runs/s, one statement in flight at ~1,000/s here).
 */

export interface RunRequestRow {
  userId: string;
  taskId: string;
  dryRun: boolean;
}

export interface QueuedRun {
  id: string;
  taskId: string;
  scheduledFor: Date;
  dryRun: boolean;
}

/**
 * What a run-now request came to. `running`: the task's overlap is `skip` and a run of it is
 * running (or a manual run was asked for just before); `budget`: its monthly token budget is spent;
 * `collided`: another replica queued a run of the task at the same microsecond (try again).
 */
export type QueueOutcome =
  | { kind: 'queued'; run: QueuedRun }
  | { kind: 'not_found' }
  | { kind: 'running' }
  | { kind: 'budget'; used: number; budget: number }
  | { kind: 'collided' };

interface Pending extends RunRequestRow {
  /** The instant in microseconds since the epoch: unique per process, so two runs of a task never collide. */
  atMicros: bigint;
  resolve: (r: QueueOutcome) => void;
  reject: (err: unknown) => void;
}

export interface RunWriter {
  /** Queues a manual execution of the caller's task, unless its overlap policy or budget refuses it. */
  queue(req: RunRequestRow): Promise<QueueOutcome>;
}

const MAX_BATCH = 500;

/**
 * Statements in flight at once. A task is in at most one of them: its overlap check must see the
 * run queued just before (a double click), which an uncommitted concurrent insert would hide.
 */
const MAX_IN_FLIGHT = 4;

function isoMicros(us: bigint): string {
  const ms = Number(us / 1000n);
  const rest = Number(us % 1000n);
  return new Date(ms).toISOString().replace('Z', `${String(rest).padStart(3, '0')}Z`);
}

export function createRunWriter(opts: { pool: pg.Pool; clock: Clock; logger: Logger }): RunWriter {
  let lastMicros = 0n;

  async function writeBatch(batch: Pending[]): Promise<void> {
    const rows = await insertManualRuns(
      opts.pool,
      batch.map((p) => ({ taskId: p.taskId, userId: p.userId, dryRun: p.dryRun, at: isoMicros(p.atMicros) })),
    );
    const byOrd = new Map(rows.map((r) => [r.ord, r]));
    batch.forEach((p, i) => {
      const r = byOrd.get(i + 1);
      if (!r) p.resolve({ kind: 'not_found' });
      else if (r.id !== null) p.resolve({ kind: 'queued', run: { id: r.id, taskId: p.taskId, scheduledFor: new Date(Number(p.atMicros / 1000n)), dryRun: p.dryRun } });
      else if (r.busy) p.resolve({ kind: 'running' });
      else if (r.budget !== null && Number(r.used) >= r.budget) p.resolve({ kind: 'budget', used: Number(r.used), budget: r.budget });
      else p.resolve({ kind: 'collided' });
    });
  }

  let queue: Pending[] = [];
  let inFlight = 0;
  const busyTasks = new Map<string, number>();

  // Coalesced wake-ups: one NOTIFY in flight; commits meanwhile ask for one more after it.
  let waking = false;
  let wakeAgain = false;
  function wake(): void {
    if (waking) {
      wakeAgain = true;
      return;
    }
    waking = true;
    wakeAgain = false;
    wakeForManualRuns(opts.pool)
      .catch((err) => opts.logger.warn({ err: (err as Error).message }, 'waking the engines failed; they find the manual runs at their next poll'))
      .finally(() => {
        waking = false;
        if (wakeAgain) wake();
      });
  }

  function take(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    for (const p of queue) {
      if (batch.length < MAX_BATCH && !busyTasks.has(p.taskId)) batch.push(p);
      else rest.push(p);
    }
    queue = rest;
    return batch;
  }

  function pump(): void {
    while (inFlight < MAX_IN_FLIGHT && queue.length) {
      const batch = take();
      if (!batch.length) return;
      inFlight++;
      for (const p of batch) busyTasks.set(p.taskId, (busyTasks.get(p.taskId) ?? 0) + 1);
      writeBatch(batch)
        .then(wake, (err) => {
          opts.logger.warn({ err: (err as Error).message, size: batch.length }, 'queueing manual runs failed');
          for (const p of batch) p.reject(err);
        })
        .finally(() => {
          inFlight--;
          for (const p of batch) {
            const n = (busyTasks.get(p.taskId) ?? 1) - 1;
            if (n > 0) busyTasks.set(p.taskId, n);
            else busyTasks.delete(p.taskId);
          }
          pump();
        });
    }
  }

  return {
    queue(req) {
      // Strictly increasing per process, from the clock's millisecond: runs of one task requested in
      // the same millisecond get distinct instants instead of colliding on (task_id, scheduled_for).
      const nowMicros = BigInt(opts.clock.now().getTime()) * 1000n;
      lastMicros = nowMicros > lastMicros ? nowMicros : lastMicros + 1n;
      const atMicros = lastMicros;
      return new Promise((resolve, reject) => {
        queue.push({ ...req, atMicros, resolve, reject });
        pump();
      });
    },
  };
}
