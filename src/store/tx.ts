import type pg from 'pg';

/**
 * Runs `fn` inside one transaction on a client of `pool`: commit when it resolves, roll back when
 * it throws (the error is rethrown). The one place that writes begin/commit/rollback, so a
 * statement function in `src/store/` takes a `pg.ClientBase` and never decides its own boundaries.
 */
export async function withTx<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A client whose rollback failed is in an unknown state: destroy it instead of pooling it.
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const out = await fn(client);
    await client.query('commit');
    return out;
  } catch (err) {
    await client.query('rollback').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
