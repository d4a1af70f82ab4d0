// Recording a run's steps. Steps are buffered and written in one multi-row INSERT, at most
// FLUSH_DELAY_MS after they happen and always before the run returns: a live view sees an LLM
// call or a slow tool within a fraction of a second, while a run that finishes quickly costs one
// statement in all instead of one per step (the database round trip is most of a fast run's cost).
import type pg from 'pg';
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

const INSERT_SQL = `
insert into execution_steps (execution_id, index, kind, started_at, duration_ms, data)
select $1, * from unnest($2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::jsonb[])`;

export function createStepLog(pool: pg.Pool, executionId: string): StepLog {
  let pending: StepRow[] = [];
  let next = 0;
  let timer: NodeJS.Timeout | null = null;
  // Writes are chained so rows land in order; a background failure is kept for the next flush().
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown = null;

  async function write(rows: StepRow[]): Promise<void> {
    await pool.query({
      name: 'runner_insert_steps',
      text: INSERT_SQL,
      values: [
        executionId,
        rows.map((r) => r.index),
        rows.map((r) => r.kind),
        rows.map((r) => r.startedAt),
        rows.map((r) => r.durationMs),
        rows.map((r) => pgJson(r.data)),
      ],
    });
  }

  function drain(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (pending.length > 0) {
      const rows = pending;
      pending = [];
      writing = writing.then(() => write(rows)).catch((err: unknown) => {
        failure ??= err;
      });
    }
    return writing;
  }

  return {
    add(kind, startedAt, durationMs, data) {
      pending.push({ index: next++, kind, startedAt, durationMs: Math.max(0, Math.round(durationMs)), data });
    },
    flushSoon() {
      if (timer || pending.length === 0) return;
      timer = setTimeout(() => void drain(), FLUSH_DELAY_MS);
      timer.unref();
    },
    async flush() {
      await drain();
      if (failure !== null) throw failure;
    },
    get count() {
      return next;
    },
  };
}
