import type pg from 'pg';

export interface OutboxMessage {
  exchange: string;
  routingKey: string;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Marks a running execution `dispatched` (fenced by epoch) and writes its outbox row, in the one
 * transaction of `client`. False when the execution is no longer this run's (cancelled, taken over).
 */
export async function dispatchExecution(client: pg.ClientBase, executionId: string, epoch: number, msg: OutboxMessage): Promise<boolean> {
  const done = await client.query<{ task_id: string; dry_run: boolean }>(
    `update executions set status = 'dispatched', finished_at = now(), lease_until = null
      where id = $1 and epoch = $2 and status = 'running'
      returning task_id::text as task_id, dry_run`,
    [executionId, epoch],
  );
  const row = done.rows[0];
  if (!row) return false;
  await client.query(
    `insert into amqp_outbox (execution_id, exchange, routing_key, headers, body)
     values ($1, $2, $3, $4::jsonb, $5::jsonb) on conflict (execution_id) do nothing`,
    [executionId, msg.exchange, msg.routingKey, JSON.stringify(msg.headers), JSON.stringify(msg.body)],
  );
  if (!row.dry_run) {
    await client.query(`update tasks set last_run_at = now(), last_status = 'dispatched', consecutive_failures = 0, updated_at = now() where id = $1`, [row.task_id]);
  }
  return true;
}

export interface OutboxRow extends OutboxMessage {
  id: string;
  executionId: string;
  attempts: number;
}

/**
 * Takes up to `limit` unsent rows that are due and not held, holding them for `holdMs`: a publisher
 * that dies holding rows loses them for that long, then another publisher sends them again.
 */
export async function takeOutbox(pool: pg.Pool, limit: number, holdMs: number): Promise<OutboxRow[]> {
  const { rows } = await pool.query<{ id: string; execution_id: string; exchange: string; routing_key: string; headers: Record<string, string>; body: unknown; attempts: number }>(
    `update amqp_outbox o set locked_until = now() + make_interval(secs => $2::float8 / 1000)
       from (select id from amqp_outbox
              where sent_at is null and next_attempt_at <= now() and (locked_until is null or locked_until < now())
              order by id limit $1 for update skip locked) d
      where o.id = d.id
      returning o.id::text as id, o.execution_id::text as execution_id, o.exchange, o.routing_key, o.headers, o.body, o.attempts`,
    [limit, holdMs],
  );
  return rows.map((r) => ({ id: r.id, executionId: r.execution_id, exchange: r.exchange, routingKey: r.routing_key, headers: r.headers, body: r.body, attempts: r.attempts }));
}

/** Rows the broker confirmed. */
export async function markOutboxSent(pool: pg.Pool, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await pool.query('update amqp_outbox set sent_at = now(), locked_until = null where id = any($1::bigint[])', [ids]);
}

/** Rows the broker did not confirm: released, due again after `delayMs`. */
export async function retryOutbox(pool: pg.Pool, ids: string[], delayMs: number, error: string): Promise<void> {
  if (!ids.length) return;
  await pool.query(
    `update amqp_outbox set locked_until = null, attempts = attempts + 1, last_error = $3,
            next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
      where id = any($1::bigint[]) and sent_at is null`,
    [ids, delayMs, error],
  );
}

/** Unsent rows (for /readyz and the bench). */
export async function pendingOutbox(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('select count(*)::text as n from amqp_outbox where sent_at is null');
  return Number(rows[0]?.n ?? 0);
}
