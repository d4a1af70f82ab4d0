import { Migration } from '@mikro-orm/migrations';

/**
 * The task.updated trigger's column list as task_actions left it. A migration added later that
 * redefines the trigger must start from the list it finds, plus its own column.
 */
const TASK_COLUMNS = [
  'user_id', 'name', 'prompt', 'schedule', 'timezone', 'enabled', 'tools', 'max_attempts', 'misfire_policy',
  'misfire_grace_seconds', 'overlap', 'pause_after_failures', 'consecutive_failures', 'paused_reason', 'start_at',
  'end_at', 'last_run_at', 'last_status', 'created_at', 'model', 'webhook_url', 'webhook_secret', 'monthly_token_budget',
  'kind', 'system_name', 'description', 'orphaned', 'wait_seconds', 'has_dependencies', 'webhook_events',
  'action', 'worker_token_hash',
];

/** Columns compared one by one, not as to_jsonb(row): see the events migration for the measured reason. */
function taskUpdateTrigger(columns: string[]): string {
  return `
      create or replace function tickler_events_tasks_update() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, data)
          select n.user_id, 'task.updated', n.id,
                 jsonb_build_object('name', n.name, 'enabled', n.enabled, 'lastStatus', n.last_status)
            from new_rows n join old_rows o on o.id = n.id
           where (${columns.map((c) => `n.${c}`).join(', ')})
                 is distinct from (${columns.map((c) => `o.${c}`).join(', ')})
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;
      alter function tickler_events_tasks_update() set enable_nestloop = off;`;
}

/**
 * `notify_result`: each finished run of the task delivers its result to the owner's inbox
 * (src/runner/result-notices.ts). Off unless asked for: the plain API keeps its old behaviour, the
 * web app's compose box turns it on. A constant default: adding it rewrites no rows. Switching it
 * is a task.updated event like any other edit.
 */
export class Migration20261208000000_notify_result extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table tasks add column notify_result boolean not null default false;
      ${taskUpdateTrigger([...TASK_COLUMNS, 'notify_result'])}
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      ${taskUpdateTrigger(TASK_COLUMNS)}
      alter table tasks drop column if exists notify_result;
    `);
  }
}
