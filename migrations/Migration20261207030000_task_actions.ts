import { Migration } from '@mikro-orm/migrations';

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
      alter table tasks drop column if exists action, drop column if exists worker_token_hash;
    `);
  }
}
