import type pg from 'pg';

// Any 64-bit constant unique to tickler, held (session level) around the migrator: replicas that
// start together migrate once; the others wait, then find nothing pending.
const MIGRATION_LOCK = 7_361_524_901;

export async function lockMigrations(client: pg.ClientBase): Promise<void> {
  await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
}

export async function unlockMigrations(client: pg.ClientBase): Promise<void> {
  await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
}
