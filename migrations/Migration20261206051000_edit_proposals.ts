import { Migration } from '@mikro-orm/migrations';

/**
 * A change proposed by POST /api/tasks/:id/edit, kept for an hour so that `{confirm: true}` applies
 * what was shown without reading the words again (the LLM would be paid twice and might answer
 * differently). `task_version` is the task's updated_at when proposed: a task changed since then
 * gets a fresh reading.
 */
export class Migration20261206051000_edit_proposals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table edit_proposals (
        id uuid primary key,
        user_id bigint not null references users (id) on delete cascade,
        task_id bigint not null references tasks (id) on delete cascade,
        text text not null,
        patch jsonb not null,
        source text not null,
        task_version timestamptz not null,
        created_at timestamptz not null,
        expires_at timestamptz not null
      );`);
    this.addSql('create index edit_proposals_task on edit_proposals (task_id, created_at desc);');
    this.addSql('create index edit_proposals_expires_at on edit_proposals (expires_at);');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists edit_proposals;');
  }
}
