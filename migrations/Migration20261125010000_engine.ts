import { Migration } from '@mikro-orm/migrations';

export class Migration20261125010000_engine extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      -- Engine replicas announce themselves here (for /api/scheduler/status); nothing coordinates through it.
      create table scheduler_instances (
        id text primary key,
        host text not null,
        pid integer not null,
        mode text not null,
        started_at timestamptz not null default now(),
        last_seen timestamptz not null default now(),
        running integer not null default 0,
        queued integer not null default 0,
        last_lag_ms integer
      );

      -- What the stored next_run_at values were computed with; start-up recomputes them when it changes.
      create table scheduler_meta (
        key text primary key,
        value text not null,
        updated_at timestamptz not null default now()
      );

      -- Overlap checks ("is this task still running?") without scanning a task's whole history.
      create index executions_running_task on executions (task_id) where status = 'running';
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists executions_running_task; drop table if exists scheduler_meta, scheduler_instances;');
  }
}
