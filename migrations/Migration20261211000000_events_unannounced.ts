import { Migration } from '@mikro-orm/migrations';

const CALL = 'perform tickler_events_notify(last_id);';
const MARK = '-- (no NOTIFY: the event hubs poll, Migration20261211000000_events_unannounced)';

/** Rewrites every function whose body contains `from` so that it contains `to` instead. */
const rewrite = (from: string, to: string) => `
  do $do$
  declare f oid;
  begin
    for f in select p.oid from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              where n.nspname = current_schema() and strpos(p.prosrc, ${quote(from)}) > 0 loop
      execute replace(pg_get_functiondef(f), ${quote(from)}, ${quote(to)});
    end loop;
  end $do$;`;

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * The events log's triggers stop sending NOTIFY. PostgreSQL serialises the commits of transactions
 * that notified: each takes one database-wide lock before its commit record and keeps it until
 * that record is flushed, so no two of them share a WAL flush. Every write with an event notified,
 * so the API's run-now inserts and creates and the engine's claims, starts and finishes committed
 * one after another (under POST /run: "Lock:object" was the largest wait, ahead of the flushes
 * themselves), and each NOTIFY also woke every listening backend. The event hubs now read the log
 * on a short poll while a stream is open (src/api/events.ts), which is what they already did for
 * an event held back by an older transaction.
 */
export class Migration20261211000000_events_unannounced extends Migration {
  override async up(): Promise<void> {
    this.addSql(rewrite(CALL, MARK));
    this.addSql('drop function if exists tickler_events_notify(bigint);');
  }

  override async down(): Promise<void> {
    this.addSql(`
      create function tickler_events_notify(last_id bigint) returns void language plpgsql as $fn$
      begin
        if last_id is not null then
          perform pg_notify('tickler_events', last_id::text);
        end if;
      end $fn$;`);
    this.addSql(rewrite(MARK, CALL));
  }
}
