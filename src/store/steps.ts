// The execution_steps table's one write on the run path.
import type pg from 'pg';

// One statement for every run's steps, as one JSON document (cheaper to build than pg's array
// literals). A statement per run was one socket write and one wake-up of the server each, the
// largest cost of a fast run when thousands start at once.
const INSERT_SQL = `
insert into execution_steps (execution_id, index, kind, started_at, duration_ms, data)
select x.e, x.i, x.k, x.s, x.d, x.j
  from jsonb_to_recordset($1::jsonb) as x(e bigint, i int, k text, s timestamptz, d int, j jsonb)`;

/**
 * Inserts steps given as one JSON array of {e: execution id, i: index, k: kind, s: started at,
 * d: duration ms, j: data}, already serialised (the caller builds it once).
 */
export async function insertSteps(db: pg.Pool | pg.ClientBase, rowsJson: string): Promise<void> {
  await db.query({ name: 'runner_insert_steps', text: INSERT_SQL, values: [rowsJson] });
}
