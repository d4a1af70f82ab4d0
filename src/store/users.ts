// Statements on users, and the key lookup that turns an API key's hash into its user.
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { User } from '../models/user.ts';
import { columnsOf, insertMany, rowMapper } from './columns.ts';

const RETURNING = columnsOf(User, { omit: ['isSystem'] });
const userOf = rowMapper<{ id: string; name: string; isAdmin: boolean; createdAt: Date }>(User);

/** Stores a new user (the caller's transaction adds its first key). */
export async function insertUser(db: pg.ClientBase, user: { name: string; isAdmin: boolean }, now: Date): Promise<{ id: string; name: string; isAdmin: boolean; createdAt: Date }> {
  const { text, values } = insertMany(User, [user], { now, returning: RETURNING });
  const { rows } = await db.query(text, values);
  return userOf(rows[0]);
}

/** The id of the first admin user called `name`, created when there is none. */
export async function findOrCreateAdmin(db: pg.Pool | pg.ClientBase, name: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `with found as (select id from users where name = $1 and is_admin order by id limit 1),
          made as (insert into users (name, is_admin) select $1, true where not exists (select 1 from found) returning id)
     select id::text as id from found union all select id::text from made`,
    [name],
  );
  return rows[0]?.id;
}

export async function findUser(em: EntityManager, id: string): Promise<User | null> {
  return await em.findOne(User, { id });
}

/** The live (unrevoked) key with this hash: its id, its user and whether that user is an admin. */
export async function findKeyByHash(em: EntityManager, keyHash: string): Promise<{ id: string; userId: string; isAdmin: boolean } | null> {
  const rows = await em.execute<{ id: string; user_id: string; is_admin: boolean }[]>(
    `select k.id::text as id, k.user_id::text as user_id, u.is_admin from api_keys k join users u on u.id = k.user_id
      where k.key_hash = ? and k.revoked_at is null`,
    [keyHash],
  );
  const row = rows[0];
  return row ? { id: row.id, userId: row.user_id, isAdmin: row.is_admin } : null;
}
