import { Migration } from '@mikro-orm/migrations';

/** Every column of tasks but next_run_at and updated_at: a change to one of them is a `task.updated`. */
const TASK_COLUMNS = [
  'user_id', 'name', 'prompt', 'schedule', 'timezone', 'enabled', 'tools', 'max_attempts', 'misfire_policy',
  'misfire_grace_seconds', 'overlap', 'pause_after_failures', 'consecutive_failures', 'paused_reason', 'start_at',
  'end_at', 'last_run_at', 'last_status', 'created_at', 'model', 'webhook_url', 'webhook_secret', 'monthly_token_budget',
];

/**
 * The user-visible event log behind `GET /api/events`: statement-level triggers with transition
 * tables turn every write to tasks, executions and notifications into rows here, whoever wrote it
 * (API, engine, another replica), in the writing transaction. Each statement sends ONE
 * `pg_notify('tickler_events', <max event id>)` — never one per row: the engine writes thousands
 * of rows per statement and its claim path must stay fast.
 */
export class Migration20261125030000_events extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table events (
        id bigint generated always as identity primary key,
        -- The writing transaction. Ids are handed out before commit, so a reader that follows
        -- "id > last" would skip an event whose transaction commits after a later id's; readers
        -- order by (tx, id) and read only below the oldest running transaction (see event-store.ts).
        tx xid8 not null default pg_current_xact_id(),
        user_id bigint not null,
        type text not null,
        task_id bigint,
        execution_id bigint,
        -- Small on purpose (ids, status, trigger, name…): the page fetches details itself. Building it
        -- is a good part of what a trigger costs the engine (formatting scheduled_for alone was ~15%
        -- of the claim's overhead), so instants are left out: the execution has them.
        data jsonb not null default '{}',
        created_at timestamptz not null default now()
      );
      create index events_tx_id on events (tx, id);
      create index events_user_tx_id on events (user_id, tx, id);

      create function tickler_events_notify(last_id bigint) returns void language plpgsql as $fn$
      begin
        if last_id is not null then
          perform pg_notify('tickler_events', last_id::text);
        end if;
      end $fn$;

      create function tickler_events_executions_insert() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, execution_id, data)
          select n.user_id, 'execution.' || case n.status when 'running' then 'started' else n.status end, n.task_id, n.id,
                 jsonb_build_object('status', n.status, 'trigger', n.trigger, 'attempt', n.attempt, 'dryRun', n.dry_run)
            from new_rows n
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;

      -- Only rows whose status changed: lease renewals and re-claims touch thousands of rows and say nothing new.
      create function tickler_events_executions_update() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, execution_id, data)
          select n.user_id, 'execution.' || case n.status when 'running' then 'started' else n.status end, n.task_id, n.id,
                 jsonb_build_object('status', n.status, 'trigger', n.trigger, 'attempt', n.attempt, 'dryRun', n.dry_run)
            from new_rows n join old_rows o on o.id = n.id
           where n.status is distinct from o.status
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;

      create function tickler_events_tasks_insert() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, data)
          select n.user_id, 'task.created', n.id, jsonb_build_object('name', n.name, 'enabled', n.enabled)
            from new_rows n
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;

      -- Not when only next_run_at/updated_at moved: the engine advances next_run_at on every claim.
      -- Columns are compared one by one: to_jsonb(row) would be simpler and cover future columns,
      -- but it tripled the cost of the claim's 10,000-row next_run_at update (bench/events.ts). A
      -- migration adding a task column adds it here too; test/integration/events-triggers.test.ts checks.
      create function tickler_events_tasks_update() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, data)
          select n.user_id, 'task.updated', n.id,
                 jsonb_build_object('name', n.name, 'enabled', n.enabled, 'lastStatus', n.last_status)
            from new_rows n join old_rows o on o.id = n.id
           where (${TASK_COLUMNS.map((c) => `n.${c}`).join(', ')})
                 is distinct from (${TASK_COLUMNS.map((c) => `o.${c}`).join(', ')})
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;

      create function tickler_events_tasks_delete() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, data)
          select o.user_id, 'task.deleted', o.id, jsonb_build_object('name', o.name)
            from old_rows o
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;

      -- The inbox badge: new notifications, and ones marked read (from another tab or device).
      create function tickler_events_notifications_insert() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, execution_id, data)
          select n.user_id, 'notification.created', n.task_id, n.execution_id, jsonb_build_object('notificationId', n.id::text, 'title', n.title)
            from new_rows n
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;

      create function tickler_events_notifications_update() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, execution_id, data)
          select n.user_id, 'notification.read', n.task_id, n.execution_id, jsonb_build_object('notificationId', n.id::text)
            from new_rows n join old_rows o on o.id = n.id
           where o.read_at is null and n.read_at is not null
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;

      create trigger events_executions_insert after insert on executions
        referencing new table as new_rows for each statement execute function tickler_events_executions_insert();
      create trigger events_executions_update after update on executions
        referencing old table as old_rows new table as new_rows for each statement execute function tickler_events_executions_update();
      create trigger events_tasks_insert after insert on tasks
        referencing new table as new_rows for each statement execute function tickler_events_tasks_insert();
      create trigger events_tasks_update after update on tasks
        referencing old table as old_rows new table as new_rows for each statement execute function tickler_events_tasks_update();
      create trigger events_tasks_delete after delete on tasks
        referencing old table as old_rows for each statement execute function tickler_events_tasks_delete();
      create trigger events_notifications_insert after insert on notifications
        referencing new table as new_rows for each statement execute function tickler_events_notifications_insert();
      create trigger events_notifications_update after update on notifications
        referencing old table as old_rows new table as new_rows for each statement execute function tickler_events_notifications_update();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists events_executions_insert on executions;
      drop trigger if exists events_executions_update on executions;
      drop trigger if exists events_tasks_insert on tasks;
      drop trigger if exists events_tasks_update on tasks;
      drop trigger if exists events_tasks_delete on tasks;
      drop trigger if exists events_notifications_insert on notifications;
      drop trigger if exists events_notifications_update on notifications;
      drop function if exists tickler_events_executions_insert(), tickler_events_executions_update(), tickler_events_tasks_insert(),
        tickler_events_tasks_update(), tickler_events_tasks_delete(), tickler_events_notifications_insert(),
        tickler_events_notifications_update(), tickler_events_notify(bigint);
      drop table if exists events;
    `);
  }
}
