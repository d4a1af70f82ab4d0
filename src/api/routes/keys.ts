import type { Context } from 'koa';
import { z } from 'zod';
import { ConflictError, NotFoundError, UnauthorizedError } from '../../errors.ts';
import { findKeys, insertKey, type KeyRow, listKeys, revokeKeys, userExists } from '../../store/api-keys.ts';
import { withTx } from '../../store/tx.ts';
import { newApiKey } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import type { KeyCache } from '../key-cache.ts';
import { type RouteDef, route } from '../route.ts';
import { isRowId, KeyOut, NewKeyOut } from '../schemas.ts';

const keyJson = (k: KeyRow, currentId?: string) => ({
  id: k.id,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
  ...(currentId !== undefined ? { current: k.id === currentId } : {}),
});

const newKeyJson = (k: KeyRow, apiKey: string) => ({ id: k.id, prefix: k.prefix, apiKey, createdAt: k.createdAt.toISOString() });

function userParam(ctx: Context): string {
  const id = (ctx as unknown as { params: Record<string, string> }).params.id as string;
  if (!isRowId(id)) throw new NotFoundError('user');
  return id;
}

/**
 * Listing, issuing, revoking and rotating API keys. A revocation takes effect on this replica as
 * soon as it is committed (its keys leave the auth cache before the response is sent) and on the
 * others when its NOTIFY reaches them (watchKeyRevocations).
 */
export function keyRoutes(deps: AppDeps): RouteDef[] {
  const pool = deps.db.pool;
  const cache = deps.keyCache as KeyCache;
  return [
    route({
      method: 'get',
      path: '/api/keys',
      tag: 'keys',
      summary: 'Your API keys (never the keys themselves: their ids and prefixes); `current` marks the one this request used',
      access: 'user',
      responses: { 200: { description: 'your keys, oldest first', schema: z.object({ items: z.array(KeyOut) }) } },
      async handler(ctx, { principal }) {
        const rows = await listKeys(pool, principal.userId);
        ctx.body = { items: rows.map((k) => keyJson(k, ctx.state.apiKeyId ?? '')) };
      },
    }),
    route({
      method: 'post',
      path: '/api/keys/rotate',
      tag: 'keys',
      summary: 'Replace the API key this request was made with: returns a new key (shown once) and revokes the old one at once',
      access: 'user',
      responses: {
        201: { description: 'the new key; the one used for this request no longer works', schema: NewKeyOut },
        401: { description: 'the request was not made with an API key (local mode, the admin token), or that key was just revoked' },
      },
      async handler(ctx, { principal }) {
        const usedId = ctx.state.apiKeyId;
        if (!usedId) throw new UnauthorizedError('rotation replaces the API key a request is made with: send one as Authorization: Bearer <key>');
        const fresh = newApiKey();
        const row = await withTx(pool, async (c) => {
          // Locked: two rotations with the same key cannot both win.
          const [used] = await findKeys(c, principal.userId, usedId);
          if (!used || used.revokedAt) throw new UnauthorizedError('this API key was revoked');
          const created = await insertKey(c, principal.userId, fresh.prefix, fresh.hash);
          await revokeKeys(c, [usedId]);
          return created;
        });
        cache.drop([usedId]);
        ctx.status = 201;
        ctx.body = { ...newKeyJson(row, fresh.key), revoked: usedId };
      },
    }),
    route({
      method: 'get',
      path: '/api/users/:id/keys',
      tag: 'keys',
      summary: "Admins: a user's API keys (ids and prefixes)",
      access: 'admins',
      responses: { 200: { description: 'the keys, oldest first', schema: z.object({ items: z.array(KeyOut) }) }, 404: { description: 'no such user' } },
      async handler(ctx) {
        const userId = userParam(ctx);
        if (!(await userExists(pool, userId))) throw new NotFoundError('user');
        ctx.body = { items: (await listKeys(pool, userId)).map((k) => keyJson(k)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/users/:id/keys',
      tag: 'keys',
      summary: 'Admins: issue another API key for a user (shown once)',
      access: 'admins',
      responses: { 201: { description: 'the new key', schema: NewKeyOut }, 404: { description: 'no such user' } },
      async handler(ctx) {
        const userId = userParam(ctx);
        const fresh = newApiKey();
        const row = await withTx(pool, async (c) => {
          if (!(await userExists(c, userId))) throw new NotFoundError('user');
          return await insertKey(c, userId, fresh.prefix, fresh.hash);
        });
        ctx.status = 201;
        ctx.body = newKeyJson(row, fresh.key);
      },
    }),
    route({
      method: 'delete',
      path: '/api/users/:id/keys/:key',
      tag: 'keys',
      summary: "Admins: revoke a user's API key, named by its id or its prefix (as listed); it stops working at once on every replica",
      access: 'admins',
      responses: {
        204: { description: 'revoked (or it already was)' },
        404: { description: 'no such user, or no key of theirs with this id or prefix' },
        409: { description: 'the prefix names several live keys: use the id' },
      },
      async handler(ctx) {
        const userId = userParam(ctx);
        const ref = (ctx as unknown as { params: Record<string, string> }).params.key as string;
        const revoked = await withTx(pool, async (c) => {
          if (!(await userExists(c, userId))) throw new NotFoundError('user');
          const keys = await findKeys(c, userId, ref);
          if (keys.length === 0) throw new NotFoundError('key');
          const live = keys.filter((k) => !k.revokedAt);
          if (live.length > 1) throw new ConflictError(`the prefix ${JSON.stringify(ref)} names ${live.length} live keys: revoke them by id`, { ids: live.map((k) => k.id) });
          return await revokeKeys(c, live.map((k) => k.id));
        });
        cache.drop(revoked);
        ctx.status = 204;
      },
    }),
  ];
}
