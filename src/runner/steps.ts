// Recording a run's steps. Steps are buffered and written in multi-row INSERTs shared by all runs,
// at most FLUSH_DELAY_MS after they happen and always before the run returns: a live view sees an
// LLM call or a slow tool within a fraction of a second, while a run that finishes quickly costs a
// share of one statement instead of one per step (the database round trip is most of a fast run's cost).
import type pg from 'pg';
import { type Clock, systemClock, type TimerHandle } from '../clock.ts';
import { insertSteps } from '../store/steps.ts';
import { pgJson } from './text.ts';

export interface StepRow {
  index: number;
  kind: 'llm' | 'tool';
  startedAt: Date;
  durationMs: number;
  data: Record<string, unknown>;
}

export interface StepLog {
  /** Queues a step; `index` is assigned in order of arrival. */
  add(kind: StepRow['kind'], startedAt: Date, durationMs: number, data: Record<string, unknown>): void;
  /** Writes what is queued within FLUSH_DELAY_MS, in the background. */
  flushSoon(): void;
  /** Writes everything queued now, after any background write; rejects if a write failed. */
  flush(): Promise<void>;
  /** Steps added so far, written or not. */
  readonly count: number;
}

/** How stale a live view of a run may be. */
export const FLUSH_DELAY_MS = 200;

/** What a step keeps of a long string (arguments, results): the API shows steps, not payloads. */
export const STEP_TEXT_CHARS = 4096;

/** Rows per statement: a fast run has 1–3 steps, so a batch covers hundreds of runs. */
const MAX_BATCH = 2000;

interface LogState {
  executionId: string;
  /** Sequence number of this log's last queued row (0: none). */
  last: number;
  failure: unknown;
}

interface Waiter {
  until: number;
  resolve: () => void;
}

export interface StepWriter {
  /** The step log of one execution; its rows share the writer's statements with every other run's. */
  log(executionId: string): StepLog;
  /** Resolves once no statement is in flight (at once when none is): what a test awaits after flushSoon's delay. */
  idle(): Promise<void>;
}

/**
 * Writes the steps of every run of this process, in order, one statement in flight at a time. A
 * failed statement drops its rows and is reported by the next flush() of each run it carried
 * (the run then ends failed, as a run whose step could not be recorded).
 */
export function createStepWriter(pool: pg.Pool, opts: { ready?: () => Promise<void>; clock?: Clock } = {}): StepWriter {
  const clock = opts.clock ?? systemClock;
  let queue: Array<{ log: LogState; row: StepRow }> = [];
  let queued = 0;
  let done = 0;
  let waiters: Waiter[] = [];
  let writing: Promise<void> | null = null;
  let soon: TimerHandle | null = null;
  let now = false;

  // Rows from all runs queued in the same turn (or within FLUSH_DELAY_MS) go in one statement.
  const insert = (batch: Array<{ log: LogState; row: StepRow }>) =>
    insertSteps(pool, pgJson(batch.map(({ log, row }) => ({ e: log.executionId, i: row.index, k: row.kind, s: row.startedAt.toISOString(), d: row.durationMs, j: row.data }))));

  async function write(batch: Array<{ log: LogState; row: StepRow }>): Promise<void> {
    try {
      await insert(batch);
    } catch (err) {
      // One run's rows can fail alone (its execution deleted with its task meanwhile): retry each
      // run's rows on their own, so only the runs whose rows cannot be written see the failure.
      const byLog = new Map<LogState, Array<{ log: LogState; row: StepRow }>>();
      for (const x of batch) {
        const rows = byLog.get(x.log);
        if (rows) rows.push(x);
        else byLog.set(x.log, [x]);
      }
      if (byLog.size === 1) {
        for (const log of byLog.keys()) log.failure ??= err;
        return;
      }
      for (const [log, rows] of byLog) {
        await insert(rows).catch((e: unknown) => {
          log.failure ??= e;
        });
      }
    }
  }

  async function drain(): Promise<void> {
    while (queue.length) {
      // Rows queued meanwhile join this statement.
      if (opts.ready) await opts.ready();
      const batch = queue.length > MAX_BATCH ? queue.splice(0, MAX_BATCH) : queue;
      if (batch === queue) queue = [];
      await write(batch);
      done += batch.length;
      if (waiters.some((w) => w.until <= done)) {
        const still: Waiter[] = [];
        for (const w of waiters) (w.until <= done ? w.resolve() : still.push(w));
        waiters = still;
      }
    }
  }

  function kick(): void {
    now = false;
    if (soon) {
      clock.clearTimeout(soon);
      soon = null;
    }
    if (writing) return;
    writing = drain().finally(() => {
      writing = null;
      // Rows queued while the last statement ran, and asked for, go at once.
      if (queue.length && (now || waiters.length)) kick();
      else if (queue.length) schedule(FLUSH_DELAY_MS);
    });
  }

  function schedule(delayMs: number): void {
    if (delayMs === 0) {
      if (!now) {
        now = true;
        setImmediate(kick);
      }
      return;
    }
    if (soon || now) return;
    // Unref'd: a live view's refresh is no reason to keep the process up (flush() writes what a run needs).
    soon = clock.setTimeout(kick, delayMs, { unref: true });
  }

  return {
    async idle() {
      // Bounded: each pass waits for one statement (and what its end kicked off at once).
      for (let i = 0; i < 1000 && writing; i++) await writing;
    },
    log(executionId) {
      const state: LogState = { executionId, last: 0, failure: null };
      let next = 0;
      return {
        add(kind, startedAt, durationMs, data) {
          queue.push({ log: state, row: { index: next++, kind, startedAt, durationMs: Math.max(0, Math.round(durationMs)), data } });
          state.last = ++queued;
        },
        flushSoon() {
          if (state.last > done) schedule(FLUSH_DELAY_MS);
        },
        async flush() {
          if (state.last > done) {
            await new Promise<void>((resolve) => {
              waiters.push({ until: state.last, resolve });
              if (!writing) schedule(0);
            });
          }
          if (state.failure !== null) throw state.failure;
        },
        get count() {
          return next;
        },
      };
    },
  };
}
