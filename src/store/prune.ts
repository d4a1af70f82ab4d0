// One batch of each retention job (src/scheduler/jobs/prune-*.ts): one statement, so one short
// transaction holding row locks only, SKIP LOCKED past anything another transaction holds.
import type pg from 'pg';

/**
 * Deletes up to `size` executions finished before `cutoff` (never queued, waiting or running),
 * oldest first, with their steps in the same statement: set-based, instead of one cascade
 * lookup per execution.
 */
export async function pruneExecutionsBatch(db: pg.Pool | pg.ClientBase, cutoff: Date, size: number): Promise<{ executions: number; steps: number }> {
  const { rows } = await db.query<{ executions: number; steps: number }>(
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
  return { executions: rows[0]?.executions ?? 0, steps: rows[0]?.steps ?? 0 };
}

/** Deletes up to `size` Idempotency-Key records created before `cutoff`; returns how many. */
export async function pruneIdempotencyKeysBatch(db: pg.Pool | pg.ClientBase, cutoff: Date, size: number): Promise<number> {
  const { rowCount } = await db.query(
    `with doomed as (
       select user_id, key from idempotency_keys where created_at < $1 order by created_at limit $2 for update skip locked
     )
     delete from idempotency_keys k using doomed where k.user_id = doomed.user_id and k.key = doomed.key`,
    [cutoff.toISOString(), size],
  );
  return rowCount ?? 0;
}

/**
 * Deletes up to `size` notifications read before `cutoff` with ids above `after`, in id order.
 * Returns how many and the last id deleted (the next batch's `after`), null when none.
 */
export async function pruneNotificationsBatch(db: pg.Pool | pg.ClientBase, after: string, cutoff: Date, size: number): Promise<{ deleted: number; last: string | null }> {
  const { rows } = await db.query<{ n: number; last: string | null }>(
    `with doomed as (
       select id from notifications where id > $1 and read_at < $2 order by id limit $3 for update skip locked
     ), gone as (
       delete from notifications n using doomed where n.id = doomed.id returning n.id
     )
     select count(*)::int as n, max(id)::text as last from gone`,
    [after, cutoff.toISOString(), size],
  );
  return { deleted: rows[0]?.n ?? 0, last: rows[0]?.last ?? null };
}
