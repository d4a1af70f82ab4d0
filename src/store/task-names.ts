import type { Sql } from '../models/sql.ts';

/** The names of the tasks `ids` (any owner), by id; an id with no task is absent. */
export async function taskNames(sql: Sql, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; name: string }>('select id::text as id, name from tasks where id = any($1::bigint[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.name]));
}
