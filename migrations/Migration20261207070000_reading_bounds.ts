import { Migration } from '@mikro-orm/migrations';

/**
 * The bounds a preview read ("every day at 9 until June": endAt), kept with the reading so the
 * create that confirms it saves the same startAt/endAt. Null for an unbounded reading.
 */
export class Migration20261207070000_reading_bounds extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table schedule_readings add column bounds jsonb;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table schedule_readings drop column if exists bounds;');
  }
}
