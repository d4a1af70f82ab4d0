import type pg from 'pg';
import type { ExecutionError } from '../models/execution.ts';

// The run-webhook rows of webhook_deliveries (execution_id set). They are enqueued by the
// executions trigger of Migration20261207020000_run_webhooks, in the transaction that records a
// finish; here they are claimed, their attempts recorded, and read back for GET /api/executions/:id.

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;
const at = (p: string) => `to_timestamp(${p}::float8 / 1000)`;

/** A claimed delivery with what its body is built from and where it goes. */
export interface ClaimedRunWebhook {
  id: string;
  deliveryId: string;
  /** This attempt's number (1-based): the claim counts it, so a crash mid-send still uses one up. */
  attempt: number;
  event: string;
  url: string | null;
  secret: string | null;
  execution: {
    id: string;
    taskId: string;
    status: string;
    trigger: string;
    attempt: number;
    scheduledMs: number;
    startedMs: number | null;
    finishedMs: number | null;
    output: string | null;
    error: ExecutionError | null;
    promptTokens: number;
    completionTokens: number;
    llmCalls: number;
    toolCalls: number;
  };
}

interface ClaimRow {
  id: string;
  delivery_id: string;
  attempts: number;
  event: string;
  webhook_url: string | null;
  webhook_secret: string | null;
  execution_id: string;
  task_id: string;
  status: string;
  trigger: string;
  attempt: number;
  scheduled_ms: number;
  started_ms: number | null;
  finished_ms: number | null;
  output: string | null;
  error: ExecutionError | null;
  prompt_tokens: number;
  completion_tokens: number;
  llm_calls: number;
  tool_calls: number;
}

/**
 * Takes up to `limit` pending deliveries due at `nowMs` (never attempted, or past their retry
 * instant), counts the attempt and leases them until `nowMs + leaseMs`: another dispatcher skips
 * them meanwhile, and picks them up again if this one dies before recording the outcome.
 */
export async function claimDueRunWebhooks(db: pg.ClientBase | pg.Pool, nowMs: number, leaseMs: number, limit: number): Promise<ClaimedRunWebhook[]> {
  const { rows } = await db.query<ClaimRow>(
    `with due as (
       select id from webhook_deliveries
        where status = 'pending' and execution_id is not null and (next_attempt_at is null or next_attempt_at <= ${at('$1')})
        order by next_attempt_at nulls first, id
        limit $3 for update skip locked
     )
     update webhook_deliveries d
        set attempts = d.attempts + 1, next_attempt_at = ${at('($1::float8 + $2::float8)')}
       from due, executions x, tasks t
      where d.id = due.id and x.id = d.execution_id and t.id = x.task_id
      returning d.id::text as id, d.delivery_id::text as delivery_id, d.attempts, d.event, t.webhook_url, t.webhook_secret,
                x.id::text as execution_id, x.task_id::text as task_id, x.status, x.trigger, x.attempt,
                ${ms('x.scheduled_for')} as scheduled_ms, ${ms('x.started_at')} as started_ms, ${ms('x.finished_at')} as finished_ms,
                x.output, x.error, x.prompt_tokens, x.completion_tokens, x.llm_calls, x.tool_calls`,
    [nowMs, leaseMs, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    deliveryId: r.delivery_id,
    attempt: r.attempts,
    event: r.event,
    url: r.webhook_url,
    secret: r.webhook_secret,
    execution: {
      id: r.execution_id,
      taskId: r.task_id,
      status: r.status,
      trigger: r.trigger,
      attempt: r.attempt,
      scheduledMs: r.scheduled_ms,
      startedMs: r.started_ms,
      finishedMs: r.finished_ms,
      output: r.output,
      error: r.error,
      promptTokens: r.prompt_tokens,
      completionTokens: r.completion_tokens,
      llmCalls: r.llm_calls,
      toolCalls: r.tool_calls,
    },
  }));
}

export interface RunWebhookAttempt {
  id: string;
  /** The attempt number the claim gave: the write is fenced on it, so a dispatcher whose lease ran out cannot record over a newer attempt. */
  attempt: number;
  /** `pending` when another attempt follows at `nextAttemptMs`. */
  status: 'pending' | 'delivered' | 'failed' | 'refused';
  nextAttemptMs: number | null;
  responseStatus: number | null;
  error: string | null;
  atMs: number;
}

/** Records the outcome of claimed attempts in one statement. */
export async function recordRunWebhookAttempts(db: pg.ClientBase | pg.Pool, attempts: RunWebhookAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.query(
    `update webhook_deliveries d
        set status = v.status, next_attempt_at = ${at('v.next')}, response_status = v.rs, error = v.err,
            delivered_at = case when v.status = 'delivered' then ${at('v.at')} end,
            finished_at = case when v.status <> 'pending' then ${at('v.at')} end
       from unnest($1::bigint[], $2::int[], $3::text[], $4::float8[], $5::int[], $6::text[], $7::float8[]) as v(id, attempt, status, next, rs, err, at)
      where d.id = v.id and d.attempts = v.attempt and d.status = 'pending'`,
    [
      attempts.map((a) => a.id),
      attempts.map((a) => a.attempt),
      attempts.map((a) => a.status),
      attempts.map((a) => a.nextAttemptMs),
      attempts.map((a) => a.responseStatus),
      attempts.map((a) => a.error),
      attempts.map((a) => a.atMs),
    ],
  );
}

/** One run-webhook delivery as GET /api/executions/:id shows it. */
export interface RunWebhookDelivery {
  deliveryId: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed' | 'refused';
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** The deliveries of one execution's finish, oldest first. */
export async function listRunWebhookDeliveries(db: pg.ClientBase | pg.Pool, executionId: string): Promise<RunWebhookDelivery[]> {
  const { rows } = await db.query<{
    delivery_id: string;
    event: string;
    status: RunWebhookDelivery['status'];
    attempts: number;
    response_status: number | null;
    error: string | null;
    next_ms: number | null;
    delivered_ms: number | null;
    created_ms: number;
  }>(
    `select delivery_id::text as delivery_id, event, status, attempts, response_status, error,
            ${ms('next_attempt_at')} as next_ms, ${ms('delivered_at')} as delivered_ms, ${ms('created_at')} as created_ms
       from webhook_deliveries where execution_id = $1 order by id`,
    [executionId],
  );
  return rows.map((r) => ({
    deliveryId: r.delivery_id,
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    responseStatus: r.response_status,
    error: r.error,
    // A pending row's next attempt; a finished one has none.
    nextAttemptAt: r.status === 'pending' && r.next_ms != null ? new Date(r.next_ms).toISOString() : null,
    deliveredAt: r.delivered_ms != null ? new Date(r.delivered_ms).toISOString() : null,
    createdAt: new Date(r.created_ms).toISOString(),
  }));
}
