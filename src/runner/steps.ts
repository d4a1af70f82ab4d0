// Recording a run's steps. Steps are buffered and written once per round (the LLM call and the tool
// calls it asked for) in one multi-row INSERT, so a live view sees progress round by round at the
// cost of one statement per round rather than one per step.
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
  /** Writes the queued steps (none: no statement). */
  flush(): Promise<void>;
  /** Steps added so far, flushed or not. */
  readonly count: number;
}

const INSERT_SQL = `
insert into execution_steps (execution_id, index, kind, started_at, duration_ms, data)
select $1, * from unnest($2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::jsonb[])`;

/** What a step keeps of a long string (arguments, results): the API shows steps, not payloads. */
export const STEP_TEXT_CHARS = 4096;

export function createStepLog(pool: pg.Pool, executionId: string): StepLog {
  let pending: StepRow[] = [];
  let next = 0;
  return {
    add(kind, startedAt, durationMs, data) {
      pending.push({ index: next++, kind, startedAt, durationMs: Math.max(0, Math.round(durationMs)), data });
    },
    async flush() {
      if (pending.length === 0) return;
      const rows = pending;
      pending = [];
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
    },
    get count() {
      return next;
    },
  };
}
