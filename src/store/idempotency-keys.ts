import type pg from 'pg';

/** How long an Idempotency-Key holds: the same key within this window returns the first result. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** The live (< 24 h) claim of a key: the request's hash and the task it created, or null. */
export async function findIdempotencyKey(
  db: pg.Pool | pg.ClientBase,
  userId: string,
  key: string,
): Promise<{ taskId: string; taskIds: string[] | null; requestHash: string } | null> {
  const { rows } = await db.query<{ task_id: string; task_ids: string[] | null; request_hash: string }>({
    name: 'idempotency-key',
    text: `select task_id::text as task_id, task_ids, request_hash from idempotency_keys
            where user_id = $1 and key = $2 and created_at > now() - make_interval(hours => $3)`,
    values: [userId, key, IDEMPOTENCY_TTL_HOURS],
  });
  const row = rows[0];
  return row ? { taskId: row.task_id, taskIds: row.task_ids, requestHash: row.request_hash } : null;
}

/**
 * Claims each key unless a live claim exists, and returns the task ids whose claim won. A
 * concurrent claim of the same key blocks here until it commits, then shows up as "not claimed".
 */
export async function claimIdempotencyKeys(db: pg.ClientBase, claims: ReadonlyArray<{ userId: string; key: string; hash: string; taskId: string }>): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const { rows } = await db.query<{ task_id: string }>(
    `insert into idempotency_keys (user_id, key, request_hash, task_id)
     select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
     on conflict (user_id, key) do update
       set request_hash = excluded.request_hash, task_id = excluded.task_id, created_at = now()
       where idempotency_keys.created_at <= now() - make_interval(hours => $5)
     returning task_id::text as task_id`,
    [claims.map((c) => c.userId), claims.map((c) => c.key), claims.map((c) => c.hash), claims.map((c) => c.taskId), IDEMPOTENCY_TTL_HOURS],
  );
  return new Set(rows.map((r) => r.task_id));
}

/** Claims one key for a batch's tasks (see claimIdempotencyKeys); false when a live claim exists. */
export async function claimBatchKey(db: pg.ClientBase, c: { userId: string; key: string; hash: string; taskIds: readonly string[] }): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into idempotency_keys (user_id, key, request_hash, task_id, task_ids)
     values ($1, $2, $3, $4, $5)
     on conflict (user_id, key) do update
       set request_hash = excluded.request_hash, task_id = excluded.task_id, task_ids = excluded.task_ids, created_at = now()
       where idempotency_keys.created_at <= now() - make_interval(hours => $6)`,
    [c.userId, c.key, c.hash, c.taskIds[0], JSON.stringify(c.taskIds), IDEMPOTENCY_TTL_HOURS],
  );
  return rowCount === 1;
}
