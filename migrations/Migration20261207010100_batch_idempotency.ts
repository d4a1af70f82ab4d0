import { Migration } from '@mikro-orm/migrations';

/**
 * POST /api/tasks/batch claims an Idempotency-Key for all the tasks it created: their ids, in the
 * request's order, so a retry returns the same batch. `task_id` keeps the first, as for one task.
 */
export class Migration20261207010100_batch_idempotency extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table idempotency_keys add column task_ids jsonb;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table idempotency_keys drop column if exists task_ids;');
  }
}
