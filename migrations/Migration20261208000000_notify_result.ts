import { Migration } from '@mikro-orm/migrations';

/**
 * `notify_result`: each finished run of the task delivers its result to the owner's inbox
 * (src/runner/result-notices.ts). Off unless asked for: the plain API keeps its old behaviour, the
 * web app's compose box turns it on. A constant default: adding it rewrites no rows.
 */
export class Migration20261208000000_notify_result extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table tasks add column notify_result boolean not null default false;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table tasks drop column if exists notify_result;');
  }
}
