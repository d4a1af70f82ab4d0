import type { SystemJobContext } from '../system-jobs.ts';
import { pruneExecutionsBatch } from '../../store/prune.ts';
import { inBatches, plural } from './batches.ts';

export interface PruneExecutionsOptions {
  retentionDays: number;
  /** Executions per transaction (each with its steps: ~10 steps per run makes ~10,000 rows). */
  batchSize?: number;
  pauseMs?: number;
}

/**
 * Deletes executions that finished more than `retentionDays` ago, with their steps, never one
 * that is queued, waiting or running, oldest first (the executions_finished_at index), one
 * short transaction per batch, nothing locked on tasks.
 */
export function pruneExecutions(opts: PruneExecutionsOptions) {
  const size = opts.batchSize ?? 1000;
  return async (ctx: SystemJobContext): Promise<string> => {
    const cutoff = new Date(ctx.clock.now().getTime() - opts.retentionDays * 86_400_000);
    let steps = 0;
    const r = await inBatches(
      size,
      async () => {
        const n = await pruneExecutionsBatch(ctx.db.pool, cutoff, size);
        steps += n.steps;
        return n.executions;
      },
      { clock: ctx.clock, signal: ctx.signal, pauseMs: opts.pauseMs ?? 50 },
    );
    return `deleted ${plural(r.rows, 'execution')} and ${plural(steps, 'step')} finished before ${cutoff.toISOString()} in ${plural(r.batches, 'batch', 'batches')}${r.stopped ? ' (stopped early: shutting down)' : ''}`;
  };
}
