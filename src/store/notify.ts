// NOTIFY on a LISTEN channel (the channels are in src/models/notify.ts). Sent inside the caller's
// transaction, so PostgreSQL delivers it only if that commits.
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

/** On a `pg` client (inside `withTx`). */
export async function pgNotify(db: pg.ClientBase, channel: string, payload: Record<string, unknown>): Promise<void> {
  await db.query('select pg_notify($1, $2)', [channel, JSON.stringify(payload)]);
}

/** On an ORM entity manager (inside its transaction). */
export async function notify(em: EntityManager, channel: string, payload: Record<string, unknown>): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [channel, JSON.stringify(payload)]);
}
