import { Migration } from '@mikro-orm/migrations';

/** Every column of tasks but next_run_at and updated_at, now with the jobs migration's columns. */
const TASK_COLUMNS = [
  'user_id', 'name', 'prompt', 'schedule', 'timezone', 'enabled', 'tools', 'max_attempts', 'misfire_policy',
  'misfire_grace_seconds', 'overlap', 'pause_after_failures', 'consecutive_failures', 'paused_reason', 'start_at',
  'end_at', 'last_run_at', 'last_status', 'created_at', 'model', 'webhook_url', 'webhook_secret', 'monthly_token_budget',
  'kind', 'system_name', 'description', 'orphaned', 'wait_seconds', 'has_dependencies',
];

/**
 * The `task.updated` trigger compares columns one by one (see the events migration for why), so
 * the columns the jobs migration added to tasks are added to the comparison here.
 */
function updateTrigger(columns: string[]): string {
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
      end $fn$;`;
}

export class Migration20261125050000_events_task_columns extends Migration {
  override async up(): Promise<void> {
    this.addSql(updateTrigger(TASK_COLUMNS));
  }

  override async down(): Promise<void> {
    this.addSql(updateTrigger(TASK_COLUMNS.slice(0, -6)));
  }
}
