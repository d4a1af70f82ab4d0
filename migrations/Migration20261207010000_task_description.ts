import { Migration } from '@mikro-orm/migrations';

/**
 * `description` (added with system jobs, where it says what a job does) is now also a user's own
 * note on a task, set through the API: held to the API's 2,000 characters in the table as well,
 * so no other writer can store what the API would refuse to return intact.
 */
export class Migration20261207010000_task_description extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table tasks add constraint tasks_description_length check (char_length(description) <= 2000) not valid;');
    this.addSql('alter table tasks validate constraint tasks_description_length;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table tasks drop constraint if exists tasks_description_length;');
  }
}
