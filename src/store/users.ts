// Statements on users, and the key lookup that turns an API key's hash into its user.
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey } from '../models/api-key.ts';
import { User } from '../models/user.ts';

/** Creates a user and its first API key (only the key's hash is stored), in one transaction. */
export async function insertUserWithKey(em: EntityManager, user: { name: string; isAdmin: boolean }, key: { prefix: string; keyHash: string }): Promise<User> {
  return await em.transactional(async (tx) => {
    const u = tx.create(User, { name: user.name, isAdmin: user.isAdmin, createdAt: new Date() });
    await tx.flush();
    tx.create(ApiKey, { userId: u.id, prefix: key.prefix, keyHash: key.keyHash, createdAt: new Date() });
    await tx.flush();
    return u;
  });
}

/** The id of the first admin user called `name`, created when there is none. */
export async function findOrCreateAdmin(em: EntityManager, name: string): Promise<string | undefined> {
  const rows = await em.execute<{ id: string }[]>(
    `with found as (select id from users where name = ? and is_admin order by id limit 1),
          made as (insert into users (name, is_admin) select ?, true where not exists (select 1 from found) returning id)
     select id::text as id from found union all select id::text from made`,
    [name, name],
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
