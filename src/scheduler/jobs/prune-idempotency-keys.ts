import type { SystemJobContext } from '../system-jobs.ts';
import { inBatches, plural } from './batches.ts';

/** Deletes Idempotency-Key records past the 24 hours they are honoured for (task-writer.ts). */
export function pruneIdempotencyKeys(opts: { batchSize?: number; pauseMs?: number } = {}) {
  const size = opts.batchSize ?? 5000;
  return async (ctx: SystemJobContext): Promise<string> => {
    const cutoff = new Date(ctx.clock.now().getTime() - 24 * 3_600_000);
    const r = await inBatches(
      size,
      async () => {
        const { rowCount } = await ctx.db.pool.query(
          `with doomed as (
             select user_id, key from idempotency_keys where created_at < $1 order by created_at limit $2 for update skip locked
           )
           delete from idempotency_keys k using doomed where k.user_id = doomed.user_id and k.key = doomed.key`,
          [cutoff.toISOString(), size],
        );
        return rowCount ?? 0;
      },
      { clock: ctx.clock, signal: ctx.signal, pauseMs: opts.pauseMs ?? 20 },
    );
    return `deleted ${plural(r.rows, 'idempotency key')} older than 24 hours`;
  };
}
