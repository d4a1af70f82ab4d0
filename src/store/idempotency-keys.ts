import type pg from 'pg';

/** How long an Idempotency-Key holds: the same key within this window returns the first result. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** The live (< 24 h) claim of a key: the request's hash and the task it created, or null. */
export async function findIdempotencyKey(db: pg.Pool | pg.ClientBase, userId: string, key: string): Promise<{ taskId: string; requestHash: string } | null> {
  const { rows } = await db.query<{ task_id: string; request_hash: string }>({
    name: 'idempotency-key',
    text: `select task_id::text as task_id, request_hash from idempotency_keys
            where user_id = $1 and key = $2 and created_at > now() - make_interval(hours => $3)`,
    values: [userId, key, IDEMPOTENCY_TTL_HOURS],
  });
  const row = rows[0];
  return row ? { taskId: row.task_id, requestHash: row.request_hash } : null;
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
