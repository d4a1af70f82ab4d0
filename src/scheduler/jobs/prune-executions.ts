import type { SystemJobContext } from '../system-jobs.ts';
import { inBatches, plural } from './batches.ts';

export interface PruneExecutionsOptions {
  retentionDays: number;
  /** Executions per transaction (each with its steps: ~10 steps per run makes ~10,000 rows). */
  batchSize?: number;
  pauseMs?: number;
}

/**
 * Deletes executions that finished more than `retentionDays` ago, with their steps, never one
 * that is queued, waiting or running. Each batch is one statement (its own short transaction)
 * over the oldest finished rows (the executions_finished_at index): row locks only, nothing on
 * tasks, SKIP LOCKED past anything another transaction holds.
 */
export function pruneExecutions(opts: PruneExecutionsOptions) {
  const size = opts.batchSize ?? 1000;
  return async (ctx: SystemJobContext): Promise<string> => {
    const cutoff = new Date(ctx.clock.now().getTime() - opts.retentionDays * 86_400_000);
    let steps = 0;
    const r = await inBatches(
      size,
      async () => {
        // Steps first, in the same statement: set-based, instead of one cascade lookup per execution.
        const { rows } = await ctx.db.pool.query<{ executions: number; steps: number }>(
          `with doomed as (
             select id from executions
              where finished_at < $1 and status not in ('queued', 'running', 'waiting')
              order by finished_at limit $2 for update skip locked
           ), s as (
             delete from execution_steps st using doomed where st.execution_id = doomed.id returning 1
           ), x as (
             delete from executions e using doomed where e.id = doomed.id returning 1
           )
           select (select count(*) from x)::int as executions, (select count(*) from s)::int as steps`,
          [cutoff.toISOString(), size],
        );
        steps += rows[0]?.steps ?? 0;
        return rows[0]?.executions ?? 0;
      },
      { clock: ctx.clock, signal: ctx.signal, pauseMs: opts.pauseMs ?? 50 },
    );
    return `deleted ${plural(r.rows, 'execution')} and ${plural(steps, 'step')} finished before ${cutoff.toISOString()} in ${plural(r.batches, 'batch', 'batches')}${r.stopped ? ' (stopped early: shutting down)' : ''}`;
  };
}
