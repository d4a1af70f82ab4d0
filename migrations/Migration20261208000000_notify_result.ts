import { Migration } from '@mikro-orm/migrations';
import { taskUpdateTrigger } from './task-update-trigger.ts';

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
