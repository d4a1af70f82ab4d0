import type { SystemJobContext } from '../system-jobs.ts';
import { pruneIdempotencyKeysBatch } from '../../store/prune.ts';
import { inBatches, plural } from './batches.ts';

/** Deletes Idempotency-Key records past the 24 hours they are honoured for (task-writer.ts). */
export function pruneIdempotencyKeys(opts: { batchSize?: number; pauseMs?: number } = {}) {
  const size = opts.batchSize ?? 5000;
  return async (ctx: SystemJobContext): Promise<string> => {
    const cutoff = new Date(ctx.clock.now().getTime() - 24 * 3_600_000);
    const r = await inBatches(
      size,
      () => pruneIdempotencyKeysBatch(ctx.db.pool, cutoff, size),
      { clock: ctx.clock, signal: ctx.signal, pauseMs: opts.pauseMs ?? 20 },
    );
    return `deleted ${plural(r.rows, 'idempotency key')} older than 24 hours`;
  };
}
