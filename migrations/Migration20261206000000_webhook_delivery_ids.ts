import { Migration } from '@mikro-orm/migrations';

/**
 * A delivery's X-Tickler-Delivery id, kept beside its outcome: random and unique, where the
 * notification's id (sent before) was a counter shared by every receiver. Rows delivered before
 * this get a fresh id of their own; their receivers saw the notification id.
 */
export class Migration20261206000000_webhook_delivery_ids extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table webhook_deliveries add column delivery_id uuid not null default gen_random_uuid();
      create unique index webhook_deliveries_delivery_id on webhook_deliveries (delivery_id);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('alter table webhook_deliveries drop column if exists delivery_id;');
  }
}
