import { Migration } from '@mikro-orm/migrations';

const FUNCTIONS = ['tickler_events_executions_update()', 'tickler_events_tasks_update()', 'tickler_events_notifications_update()'];

/**
 * The update triggers join their old and new transition tables on id. PostgreSQL estimates a
 * transition table at one row whatever it holds, and PL/pgSQL keeps the plan a session made first:
 * after a few single-row updates, a connection joined them with a nested loop, so a 10,000-row
 * statement (the engine renewing its leases, recording starts) compared 100,000,000 pairs and took
 * 12–20 s, holding its row locks all along (found by bench/fire.ts at K = 10,000). Without nested
 * loops the join is a hash join: 7 ms for 10,000 rows, and no slower for one.
 */
export class Migration20261126000000_trigger_joins extends Migration {
  override async up(): Promise<void> {
    for (const f of FUNCTIONS) this.addSql(`alter function ${f} set enable_nestloop = off;`);
  }

  override async down(): Promise<void> {
    for (const f of FUNCTIONS) this.addSql(`alter function ${f} reset enable_nestloop;`);
  }
}
