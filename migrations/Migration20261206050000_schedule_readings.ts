import { Migration } from '@mikro-orm/migrations';

/**
 * What a preview read from plain English, kept for an hour under its id (`parseId`), so that the
 * create the user confirms saves the schedule they were shown instead of reading the text again
 * (the LLM may answer differently the second time, and is paid twice).
 */
export class Migration20261206050000_schedule_readings extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table schedule_readings (
        id uuid primary key,
        user_id bigint not null references users (id) on delete cascade,
        text text not null,
        schedule jsonb not null,
        task jsonb,
        source text not null,
        created_at timestamptz not null,
        expires_at timestamptz not null
      );`);
    this.addSql('create index schedule_readings_expires_at on schedule_readings (expires_at);');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists schedule_readings;');
  }
}
