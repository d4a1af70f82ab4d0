import { Migration } from '@mikro-orm/migrations';

// The finish statuses a task's webhook hears about (as in run_webhooks).
const EVENTS = `('succeeded', 'failed', 'cancelled', 'skipped', 'missed')`;

// One insert for a whole statement's rows `n` (the transition table `from` joins): those that reached
// a finish status and are no dry run. Tasks with a webhook are few: the tasks side is a partial index.
const ENQUEUE = (from: string) => `
        insert into webhook_deliveries (task_id, execution_id, event, status, attempts, finished_at)
        select t.id, n.id, n.status, 'pending', 0, null
          from ${from} join tasks t on t.id = n.task_id
         where n.status in ${EVENTS} and not n.dry_run
           and t.webhook_url is not null and t.webhook_secret is not null
           and (t.webhook_events is null or n.status = any (t.webhook_events))
        on conflict do nothing;`;

/**
 * Two costs of every run's record, measured with pg_stat_statements under `npm run bench -- --test=throughput`:
 * - The stale-fire pass (settleStaleFires, run by every claim round) found its candidates — queued
 *   scheduled fires past their instant — by scanning the partial index of open executions, i.e. every
 *   queued and running execution past its instant, manual runs included: 35 ms a round while 5,000
 *   due fires ran, 2.3 ms a round under 5,000 manual runs, to find none. Its own partial index holds
 *   only queued scheduled fires, and a fire leaves it when it starts.
 * - The run-webhook triggers were row-level: one plpgsql call and one tasks lookup per finished run
 *   (5–7 µs a row, a fifth of a finish's update). Statement-level triggers read the statement's
 *   transition tables once; tasks with a webhook come from a partial index.
 */
export class Migration20261209000000_lean_finish_path extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create index executions_stale_candidates on executions (scheduled_for)
        where status = 'queued' and trigger = 'schedule' and satisfied_by is null;
      create index tasks_with_webhook on tasks (id) where webhook_url is not null;

      drop trigger if exists executions_run_webhook_on_update on executions;
      drop trigger if exists executions_run_webhook_on_insert on executions;
      drop function if exists enqueue_run_webhook();

      create function enqueue_run_webhooks_on_update() returns trigger language plpgsql as $$
      begin
        ${ENQUEUE('new_rows n join old_rows o on o.id = n.id and o.status is distinct from n.status')}
        return null;
      end $$;
      -- As for the events triggers (trigger-plans.test.ts): PostgreSQL guesses one row per transition
      -- table and PL/pgSQL keeps a session's first plan, so a large update after small ones would join
      -- old and new rows by nested loop.
      alter function enqueue_run_webhooks_on_update() set enable_nestloop = off;
      create function enqueue_run_webhooks_on_insert() returns trigger language plpgsql as $$
      begin
        ${ENQUEUE('new_rows n')}
        return null;
      end $$;
      create trigger executions_run_webhooks_on_update after update on executions
        referencing old table as old_rows new table as new_rows
        for each statement execute function enqueue_run_webhooks_on_update();
      create trigger executions_run_webhooks_on_insert after insert on executions
        referencing new table as new_rows
        for each statement execute function enqueue_run_webhooks_on_insert();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists executions_run_webhooks_on_update on executions;
      drop trigger if exists executions_run_webhooks_on_insert on executions;
      drop function if exists enqueue_run_webhooks_on_update();
      drop function if exists enqueue_run_webhooks_on_insert();
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
      drop index if exists tasks_with_webhook;
      drop index if exists executions_stale_candidates;
    `);
  }
}
