import { Migration } from '@mikro-orm/migrations';

/**
 * "All runs" (GET /api/executions) reads a user's newest executions across their tasks: without
 * this index that is a backward scan of every user's executions, filtered.
 */
export class Migration20261208000100_executions_user_newest extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index executions_user_newest on executions (user_id, id desc);');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists executions_user_newest;');
  }
}
