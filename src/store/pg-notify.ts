import type pg from 'pg';

/** Sends `payload` on `channel`; inside a transaction it goes out at commit (or not at all). */
export async function notifyChannel(db: pg.Pool | pg.ClientBase, channel: string, payload: string): Promise<void> {
  await db.query('select pg_notify($1, $2)', [channel, payload]);
}
