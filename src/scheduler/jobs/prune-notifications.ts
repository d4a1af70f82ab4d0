import type { SystemJobContext } from '../system-jobs.ts';
import { pruneNotificationsBatch } from '../../store/prune.ts';
import { inBatches, plural } from './batches.ts';

/** Deletes notifications read more than `retentionDays` ago; unread ones stay whatever their age. */
export function pruneNotifications(opts: { retentionDays: number; batchSize?: number; pauseMs?: number }) {
  const size = opts.batchSize ?? 5000;
  return async (ctx: SystemJobContext): Promise<string> => {
    const cutoff = new Date(ctx.clock.now().getTime() - opts.retentionDays * 86_400_000);
    // A cursor on id: old unread notifications stay, and each batch starts past them instead of
    // walking over them again.
    let after = '0';
    const r = await inBatches(
      size,
      async () => {
        const n = await pruneNotificationsBatch(ctx.db.pool, after, cutoff, size);
        after = n.last ?? after;
        return n.deleted;
      },
      { clock: ctx.clock, signal: ctx.signal, pauseMs: opts.pauseMs ?? 20 },
    );
    return `deleted ${plural(r.rows, 'read notification')} older than ${opts.retentionDays} days in ${plural(r.batches, 'batch', 'batches')}`;
  };
}
