import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context, Next } from 'koa';
import type pg from 'pg';
import { AppError, UnauthorizedError } from '../errors.ts';
import { insertKey } from '../store/api-keys.ts';
import { withTx } from '../store/tx.ts';
import { findKeyByHash, findOrCreateAdmin, insertUser } from '../store/users.ts';
import type { KeyCache } from './key-cache.ts';

export interface Principal {
  userId: string;
  isAdmin: boolean;
}

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    principal?: Principal;
    /** Set when the request presented ADMIN_TOKEN. */
    admin?: boolean;
    /** The id of the API key the request presented (POST /api/keys/rotate replaces it). */
    apiKeyId?: string;
  }
}

const KEY_PREFIX = 'tk_';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new random key, the prefix that names it in listings, and the hash that is stored. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  return { key, prefix: key.slice(0, 10), hash: hashKey(key) };
}

/** Creates a user with one API key; the plain key is returned once and only its hash is stored. */
export async function createUser(pool: pg.Pool, name: string, isAdmin = false): Promise<{ id: string; name: string; apiKey: string }> {
  const { key, prefix, hash } = newApiKey();
  const user = await withTx(pool, async (c) => {
    const u = await insertUser(c, { name, isAdmin }, new Date());
    await insertKey(c, u.id, prefix, hash);
    return u;
  });
  return { id: user.id, name: user.name, apiKey: key };
}

export const LOCAL_USER_NAME = 'local';

/** The built-in user of `local` auth mode (created once, found by name afterwards). */
export async function ensureLocalUser(pool: pg.Pool): Promise<string> {
  const id = await findOrCreateAdmin(pool, LOCAL_USER_NAME);
  if (!id) throw new Error('could not create the local user');
  return id;
}

function bearer(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new UnauthorizedError('Authorization must be "Bearer <api key>"');
  return m[1];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuthOptions {
  mode: 'local' | 'apikey';
  adminToken: string | undefined;
  localUserId: string | undefined;
  /** METRICS_TOKEN: not an API key; /metrics checks it itself. */
  metricsToken?: string | undefined;
  /** Shared with the routes that revoke keys, and emptied by the NOTIFY of other replicas' revocations. */
  cache: KeyCache;
}

/**
 * Resolves the caller: an API key's user, the admin token, or (local mode, no header) the local
 * user. Only authenticates; routes decide what needs a principal (`requireUser`) or admin.
 */
export function authMiddleware(opts: AuthOptions) {
  const cache = opts.cache;
  return async (ctx: Context, next: Next) => {
    const key = bearer(ctx);
    if (key === undefined) {
      if (opts.mode === 'local' && opts.localUserId) ctx.state.principal = { userId: opts.localUserId, isAdmin: true };
      return next();
    }
    if (opts.adminToken && sameSecret(key, opts.adminToken)) {
      ctx.state.admin = true;
      return next();
    }
    // A scraper's token is no credential here (no user, no lookup); /metrics checks it.
    if (opts.metricsToken && sameSecret(key, opts.metricsToken)) return next();
    const hash = hashKey(key);
    const now = Date.now();
    let hit = cache.get(hash, now);
    if (!hit) {
      const generation = cache.generation();
      const row = await findKeyByHash(ctx.state.em as EntityManager, hash);
      hit = { principal: row ? { userId: row.userId, isAdmin: row.isAdmin } : null, keyId: row?.id ?? null, at: now };
      cache.set(hash, hit, generation);
    }
    if (!hit.principal) throw new UnauthorizedError('unknown or revoked API key');
    ctx.state.principal = hit.principal;
    if (hit.keyId) ctx.state.apiKeyId = hit.keyId;
    return next();
  };
}

/** The caller's user id, or 401. */
export function requireUser(ctx: Context): Principal {
  const p = ctx.state.principal as Principal | undefined;
  if (!p) throw new UnauthorizedError();
  return p;
}

/** ADMIN_TOKEN, or an admin user's key (local mode's user is one); 401 without either, 403 for other users. */
export function requireAdmins(ctx: Context): Principal {
  if (ctx.state.admin) return { userId: '', isAdmin: true };
  const p = ctx.state.principal as Principal | undefined;
  if (!p) throw new UnauthorizedError('this route needs an admin: Authorization: Bearer $ADMIN_TOKEN, or an admin user\'s API key');
  if (!p.isAdmin) throw new AppError(403, 'forbidden', 'this route is for admins');
  return p;
}

/** 401/403 unless the request presented ADMIN_TOKEN. */
export function requireAdmin(ctx: Context, adminConfigured: boolean): void {
  if (!adminConfigured) throw new AppError(403, 'admin_disabled', 'ADMIN_TOKEN is not set on this server; create users with `npm run user:create -- --name NAME`');
  if (!ctx.state.admin) throw new UnauthorizedError('this route needs Authorization: Bearer $ADMIN_TOKEN');
}
