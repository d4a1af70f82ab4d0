import type { SystemJobContext } from '../system-jobs.ts';
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
        const { rows } = await ctx.db.pool.query<{ n: number; last: string | null }>(
          `with doomed as (
             select id from notifications where id > $1 and read_at < $2 order by id limit $3 for update skip locked
           ), gone as (
             delete from notifications n using doomed where n.id = doomed.id returning n.id
           )
           select count(*)::int as n, max(id)::text as last from gone`,
          [after, cutoff.toISOString(), size],
        );
        after = rows[0]?.last ?? after;
        return rows[0]?.n ?? 0;
      },
      { clock: ctx.clock, signal: ctx.signal, pauseMs: opts.pauseMs ?? 20 },
    );
    return `deleted ${plural(r.rows, 'read notification')} older than ${opts.retentionDays} days in ${plural(r.batches, 'batch', 'batches')}`;
  };
}
