import { Migration } from '@mikro-orm/migrations';

/**
 * Replicas heartbeat every few seconds (SCHEDULER_HEARTBEAT_MS): a row not refreshed for a few
 * intervals is a dead replica, whose fires and runs a live one takes over at once. `concurrency`
 * is how many runs a replica may have in flight: with `running`, what it has free, which weights
 * each replica's share of a burst.
 */
export class Migration20261207000000_replica_heartbeats extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table scheduler_instances add column concurrency integer not null default 0;
    `);
  }

  override async down(): Promise<void> {
    this.addSql('alter table scheduler_instances drop column if exists concurrency;');
  }
}
