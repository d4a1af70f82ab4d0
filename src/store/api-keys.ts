// Statements on api_keys: listing a user's keys, issuing, revoking and rotating them. Every
// revocation NOTIFYs its key ids in the same transaction, so each replica drops them from its auth
// cache once, and only once, the revocation is committed.
import type pg from 'pg';
import { ApiKey } from '../models/api-key.ts';
import { CHANNELS } from '../models/notify.ts';
import { columnsOf, rowMapper } from './columns.ts';
import { pgNotify } from './notify.ts';

export interface KeyRow {
  id: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const BIGINT_MAX = 9_223_372_036_854_775_807n;

// Derived from the entity; the hash never leaves the store and the owner is the caller's already.
const COLUMNS = columnsOf(ApiKey, { omit: ['userId', 'keyHash'] });
const keyOf = rowMapper<KeyRow>(ApiKey);

/** A user's keys, oldest first (revoked ones included: they say when). */
export async function listKeys(db: pg.ClientBase | pg.Pool, userId: string): Promise<KeyRow[]> {
  const { rows } = await db.query(`select ${COLUMNS} from api_keys where user_id = $1 order by id`, [userId]);
  return rows.map(keyOf);
}

/** Whether the user exists (the admin routes answer 404 for one that does not). */
export async function userExists(db: pg.ClientBase | pg.Pool, userId: string): Promise<boolean> {
  const { rows } = await db.query(`select 1 from users where id = $1`, [userId]);
  return rows.length > 0;
}

/** Stores a new key's hash for the user. */
export async function insertKey(db: pg.ClientBase, userId: string, prefix: string, keyHash: string): Promise<KeyRow> {
  const { rows } = await db.query(`insert into api_keys (user_id, prefix, key_hash) values ($1, $2, $3) returning ${COLUMNS}`, [userId, prefix, keyHash]);
  return keyOf(rows[0]);
}

/**
 * The user's keys that `ref` names: a key id (digits) or a key's prefix (`tk_…`, as listed), live
 * or already revoked. Locked, so a revocation and a rotation of the same key take turns.
 */
export async function findKeys(db: pg.ClientBase, userId: string, ref: string): Promise<KeyRow[]> {
  const byId = /^\d{1,19}$/.test(ref);
  // Past bigint, the cast would fail: no key has such an id.
  if (byId && BigInt(ref) > BIGINT_MAX) return [];
  const { rows } = await db.query(
    `select ${COLUMNS} from api_keys where user_id = $1 and ${byId ? 'id = $2::text::bigint' : 'prefix = $2'} order by id for update`,
    [userId, ref],
  );
  return rows.map(keyOf);
}

/** Marks keys revoked (those not already) and tells every replica; returns the ids it revoked. */
export async function revokeKeys(db: pg.ClientBase, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(`update api_keys set revoked_at = now() where id = any($1::bigint[]) and revoked_at is null returning id::text as id`, [ids]);
  const revoked = rows.map((r) => r.id);
  if (revoked.length) await pgNotify(db, CHANNELS.keys, { ids: revoked });
  return revoked;
}
