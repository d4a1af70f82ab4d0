import { Migration } from '@mikro-orm/migrations';

export class Migration20261125021000_task_counts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- MAX_TASKS_PER_USER is checked against this counter under the user's row lock: O(1), where
      -- counting the user's tasks costs O(tasks). Statement-level triggers keep it exact for every
      -- writer (API, reminders, deletes, cascades), one UPDATE per statement whatever its row count.
      alter table users add column task_count integer not null default 0;
      update users u set task_count = (select count(*) from tasks t where t.user_id = u.id);

      create function tickler_count_tasks_inserted() returns trigger language plpgsql as $$
      begin
        update users u set task_count = u.task_count + c.n
          from (select user_id, count(*) as n from new_rows group by user_id) c
         where u.id = c.user_id;
        return null;
      end $$;

      create function tickler_count_tasks_deleted() returns trigger language plpgsql as $$
      begin
        update users u set task_count = u.task_count - c.n
          from (select user_id, count(*) as n from old_rows group by user_id) c
         where u.id = c.user_id;
        return null;
      end $$;

      create trigger tasks_count_insert after insert on tasks
        referencing new table as new_rows for each statement execute function tickler_count_tasks_inserted();
      create trigger tasks_count_delete after delete on tasks
        referencing old table as old_rows for each statement execute function tickler_count_tasks_deleted();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists tasks_count_insert on tasks;
      drop trigger if exists tasks_count_delete on tasks;
      drop function if exists tickler_count_tasks_inserted();
      drop function if exists tickler_count_tasks_deleted();
      alter table users drop column if exists task_count;
    `);
  }
}
