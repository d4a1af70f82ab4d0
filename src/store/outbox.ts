import type pg from 'pg';

export interface OutboxMessage {
  exchange: string;
  routingKey: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface Dispatch extends OutboxMessage {
  executionId: string;
  epoch: number;
}

/**
 * Marks running executions `dispatched` (each fenced by its epoch), writes their outbox rows and
 * the tasks' last run, in one statement (so one transaction: a fire is never recorded without its
 * message, nor the other way round). Returns the ids that were still this run's; the others were
 * cancelled or taken over and get no message.
 */
export async function dispatchExecutions(db: pg.Pool | pg.ClientBase, items: readonly Dispatch[]): Promise<Set<string>> {
  if (!items.length) return new Set();
  const { rows } = await db.query<{ id: string }>({
    name: 'dispatch-executions',
    text: `with d as (
             update executions x set status = 'dispatched', finished_at = now(), lease_until = null
               from unnest($1::bigint[], $2::int[]) v(id, epoch)
              where x.id = v.id and x.epoch = v.epoch and x.status = 'running'
              returning x.id, x.task_id, x.dry_run
           ), o as (
             insert into amqp_outbox (execution_id, exchange, routing_key, headers, body)
             select d.id, m.exchange, m.routing_key, m.headers, m.body
               from d join unnest($1::bigint[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[]) m(id, exchange, routing_key, headers, body) on m.id = d.id
             on conflict (execution_id) do nothing
           ), t as (
             update tasks set last_run_at = now(), last_status = 'dispatched', consecutive_failures = 0, updated_at = now()
              where id in (select task_id from d where not dry_run)
           )
           select id::text as id from d`,
    values: [
      items.map((i) => i.executionId),
      items.map((i) => i.epoch),
      items.map((i) => i.exchange),
      items.map((i) => i.routingKey),
      items.map((i) => JSON.stringify(i.headers)),
      items.map((i) => JSON.stringify(i.body)),
    ],
  });
  return new Set(rows.map((r) => r.id));
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
