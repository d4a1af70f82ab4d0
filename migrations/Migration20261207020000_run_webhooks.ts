import { Migration } from '@mikro-orm/migrations';
import { taskUpdateTrigger } from './task-update-trigger.ts';

// The finish statuses a task's webhook hears about (tasks.webhook_events null = all of them).
// `interrupted` is not one: an interrupted run is retried, and its retry's finish is the news.
const EVENTS = `('succeeded', 'failed', 'cancelled', 'skipped', 'missed')`;

/** The task.updated trigger's column list (events_task_columns) with webhook_events, the column added here. */
const TASK_COLUMNS = [
  'user_id', 'name', 'prompt', 'schedule', 'timezone', 'enabled', 'tools', 'max_attempts', 'misfire_policy',
  'misfire_grace_seconds', 'overlap', 'pause_after_failures', 'consecutive_failures', 'paused_reason', 'start_at',
  'end_at', 'last_run_at', 'last_status', 'created_at', 'model', 'webhook_url', 'webhook_secret', 'monthly_token_budget',
  'kind', 'system_name', 'description', 'orphaned', 'wait_seconds', 'has_dependencies',
];

/**
 * Run webhooks: every finished execution of a task with a webhook gets a pending row in
 * webhook_deliveries, written by a trigger in the very statement that records the finish. Five
 * writers record finishes (the engine's finishes and skips, start-up misfires, the cancel route,
 * the dependency wait); a trigger covers them all, commits or rolls back with them, so a crash
 * can lose no delivery, and the unique (execution_id, event) key enqueues each one once.
 * src/webhooks/run-dispatcher.ts sends the pending rows. Dry runs have no side effects: no webhook.
 */
export class Migration20261207020000_run_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table tasks add column webhook_events text[];
      ${taskUpdateTrigger([...TASK_COLUMNS, 'webhook_events'])}

      alter table webhook_deliveries
        alter column notification_id drop not null,
        alter column finished_at drop not null,
        alter column attempts set default 0,
        add column execution_id bigint references executions (id) on delete cascade,
        add column event text,
        add column next_attempt_at timestamptz,
        add column delivered_at timestamptz,
        drop constraint webhook_deliveries_status_check,
        add constraint webhook_deliveries_status_check check (status in ('pending', 'delivered', 'failed', 'refused')),
        add constraint webhook_deliveries_one_source check ((notification_id is null) <> (execution_id is null));
      create unique index webhook_deliveries_execution_event on webhook_deliveries (execution_id, event) where execution_id is not null;
      create index webhook_deliveries_pending on webhook_deliveries (next_attempt_at nulls first, id) where status = 'pending';

      create function enqueue_run_webhook() returns trigger language plpgsql as $$
      begin
        insert into webhook_deliveries (task_id, execution_id, event, status, attempts, finished_at)
        select t.id, new.id, new.status, 'pending', 0, null
          from tasks t
         where t.id = new.task_id and t.webhook_url is not null and t.webhook_secret is not null
           and (t.webhook_events is null or new.status = any (t.webhook_events))
        on conflict do nothing;
        return null;
      end $$;

      create trigger executions_run_webhook_on_update after update of status on executions for each row
        when (new.status in ${EVENTS} and old.status is distinct from new.status and not new.dry_run)
        execute function enqueue_run_webhook();
      create trigger executions_run_webhook_on_insert after insert on executions for each row
        when (new.status in ${EVENTS} and not new.dry_run)
        execute function enqueue_run_webhook();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists executions_run_webhook_on_update on executions;
      drop trigger if exists executions_run_webhook_on_insert on executions;
      drop function if exists enqueue_run_webhook();
      delete from webhook_deliveries where execution_id is not null;
      alter table webhook_deliveries
        drop constraint webhook_deliveries_one_source,
        drop constraint webhook_deliveries_status_check,
        add constraint webhook_deliveries_status_check check (status in ('delivered', 'failed', 'refused')),
        drop column execution_id, drop column event, drop column next_attempt_at, drop column delivered_at,
        alter column notification_id set not null,
        alter column finished_at set not null;
      ${taskUpdateTrigger(TASK_COLUMNS)}
      alter table tasks drop column if exists webhook_events;
    `);
  }
}
