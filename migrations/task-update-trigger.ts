// The task.updated trigger of the events log, as a function of the columns it compares. A migration
// that adds a column users can change redefines the trigger with the list it found plus its own
// column; each migration keeps its own list, so what it did stays fixed as later ones add theirs.
// (Not named Migration*.ts: the migrator's glob does not take it for a migration.) It still ends with
// the NOTIFY call the old migrations had; Migration20261211000000_events_unannounced removed it, and
// a later migration redefining the trigger must leave it out (events-triggers.test.ts checks).

/** Columns compared one by one, not as to_jsonb(row): see the events migration for the measured reason. */
export function taskUpdateTrigger(columns: string[]): string {
  return `
      create or replace function tickler_events_tasks_update() returns trigger language plpgsql as $fn$
      declare last_id bigint;
      begin
        with ins as (
          insert into events (user_id, type, task_id, data)
          select n.user_id, 'task.updated', n.id,
                 jsonb_build_object('name', n.name, 'enabled', n.enabled, 'lastStatus', n.last_status)
            from new_rows n join old_rows o on o.id = n.id
           where (${columns.map((c) => `n.${c}`).join(', ')})
                 is distinct from (${columns.map((c) => `o.${c}`).join(', ')})
          returning id
        )
        select max(id) into last_id from ins;
        perform tickler_events_notify(last_id);
        return null;
      end $fn$;
      alter function tickler_events_tasks_update() set enable_nestloop = off;`;
}
