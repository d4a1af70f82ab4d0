import { Migration } from '@mikro-orm/migrations';
import { taskUpdateTrigger } from './task-update-trigger.ts';

/** The task.updated trigger's column list as Migration20261207020000_run_webhooks left it. */
const TASK_COLUMNS = [
  'user_id', 'name', 'prompt', 'schedule', 'timezone', 'enabled', 'tools', 'max_attempts', 'misfire_policy',
  'misfire_grace_seconds', 'overlap', 'pause_after_failures', 'consecutive_failures', 'paused_reason', 'start_at',
  'end_at', 'last_run_at', 'last_status', 'created_at', 'model', 'webhook_url', 'webhook_secret', 'monthly_token_budget',
  'kind', 'system_name', 'description', 'orphaned', 'wait_seconds', 'has_dependencies', 'webhook_events',
];

// worker_token_hash is compared (a rotated token is a change to the task, like webhook_secret) but, like
// every secret, never copied into the event's payload, which carries only name, enabled and lastStatus.

/**
 * A task's action (llm | amqp | http) and its hashed worker token; `dispatched` executions (handed to
 * a broker, final unless the worker reports); and the outbox a publisher drains. The outbox row is
 * written in the transaction that marks the execution dispatched, so a crash can never publish a
 * fire that is not recorded, nor record one that is never published.
 */
export class Migration20261207030000_task_actions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table tasks
        add column action jsonb not null default '{"kind":"llm"}'::jsonb,
        add column worker_token_hash text;
      ${taskUpdateTrigger([...TASK_COLUMNS, 'action', 'worker_token_hash'])}
      alter table executions
        drop constraint executions_status_check,
        add constraint executions_status_check
          check (status in ('queued', 'running', 'succeeded', 'failed', 'missed', 'skipped', 'interrupted', 'cancelled', 'waiting', 'dispatched'));
      create table amqp_outbox (
        id bigserial primary key,
        execution_id bigint not null unique references executions (id) on delete cascade,
        exchange text not null,
        routing_key text not null,
        headers jsonb not null default '{}'::jsonb,
        body jsonb not null,
        attempts integer not null default 0,
        -- A publisher holds a row until this instant; past it (the publisher died) another takes it.
        locked_until timestamptz,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        sent_at timestamptz,
        created_at timestamptz not null default now()
      );
      create index amqp_outbox_pending on amqp_outbox (next_attempt_at) where sent_at is null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists amqp_outbox;
      update executions set status = 'succeeded' where status = 'dispatched';
      alter table executions
        drop constraint executions_status_check,
        add constraint executions_status_check
          check (status in ('queued', 'running', 'succeeded', 'failed', 'missed', 'skipped', 'interrupted', 'cancelled', 'waiting'));
      ${taskUpdateTrigger(TASK_COLUMNS)}
      alter table tasks drop column if exists action, drop column if exists worker_token_hash;
    `);
  }
}
