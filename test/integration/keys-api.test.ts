// Revoking API keys: at once on the replica that revoked, and on another replica as soon as the
// revocation's NOTIFY reaches it (awaited as an event, bounded at 2 s), through two app instances
// on one database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyCache, type KeyCache, type KeyWatch, watchKeyRevocations } from '../../src/api/key-cache.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp, type TestResponse } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const ADMIN = 'admin-token-for-tests-0123456789';

let tdb: TestDatabase;
let db: Database;
let a: TestApp;
let b: TestApp;
let unwatched: TestApp;
let cacheB: KeyCache;
const watches: KeyWatch[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  const logger = createLogger('silent', false);
  const cacheA = createKeyCache();
  cacheB = createKeyCache();
  watches.push(watchKeyRevocations({ url: db.url, logger, cache: cacheA }), watchKeyRevocations({ url: db.url, logger, cache: cacheB }));
  await Promise.all(watches.map((w) => w.ready));
  a = await startTestApp(db, { keyCache: cacheA });
  b = await startTestApp(db, { keyCache: cacheB });
  // A replica that hears no revocations: only its cache's TTL would end a revoked key there.
  unwatched = await startTestApp(db);
});

afterAll(async () => {
  for (const w of watches) await w.close();
  await a?.close();
  await b?.close();
  await unwatched?.close();
  await tdb?.drop();
});

async function newUser(name: string): Promise<{ id: string; apiKey: string }> {
  const res = await a.request('POST', '/api/users', { key: ADMIN, body: { name } });
  expect(res.status).toBe(201);
  return res.body;
}

/** Resolves with the ms it took when `cache` drops `keyId`; rejects after `ms`. */
function dropped(cache: KeyCache, keyId: string, ms = 2_000): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cache.events.off('dropped', on);
      reject(new Error(`key ${keyId} not dropped within ${ms} ms`));
    }, ms);
    function on(ids: string[]) {
      if (!ids.includes(keyId)) return;
      clearTimeout(timer);
      cache.events.off('dropped', on);
      resolve(performance.now() - t0);
    }
    cache.events.on('dropped', on);
  });
}

const works = async (app: TestApp, key: string) => (await app.request('GET', '/api/tasks', { key })).status;

function expect401(res: TestResponse) {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}

describe('key listing', () => {
  it('lists ids and prefixes, never keys or hashes, and marks the key in use', async () => {
    const u = await newUser('lister');
    const mine = await a.request('GET', '/api/keys', { key: u.apiKey });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([{ id: expect.any(String), prefix: u.apiKey.slice(0, 10), createdAt: expect.any(String), lastUsedAt: null, revokedAt: null, current: true }]);
    expect(mine.text).not.toContain(u.apiKey);
    const admin = await a.request('GET', `/api/users/${u.id}/keys`, { key: ADMIN });
    expect(admin.body.items.map((k: { id: string }) => k.id)).toEqual([mine.body.items[0].id]);
  });
});

describe('DELETE /api/users/:id/keys/:key', () => {
  it('revokes a key by prefix: 401 at once on this replica, and within 2 s on the other one', async () => {
    const u = await newUser('alice');
    // Both replicas have the key in their caches.
    expect(await works(a, u.apiKey)).toBe(200);
    expect(await works(b, u.apiKey)).toBe(200);
    expect(await works(unwatched, u.apiKey)).toBe(200);
    const keyId = (await a.request('GET', '/api/keys', { key: u.apiKey })).body.items[0].id as string;

    const heard = dropped(cacheB, keyId);
    const res = await a.request('DELETE', `/api/users/${u.id}/keys/${u.apiKey.slice(0, 10)}`, { key: ADMIN });
    expect(res.status).toBe(204);
    expect401(await a.request('GET', '/api/tasks', { key: u.apiKey }));
    const ms = await heard;
    expect(ms).toBeLessThan(2_000);
    expect401(await b.request('GET', '/api/tasks', { key: u.apiKey }));
    // Without the NOTIFY the other replica would still let the key in from its cache.
    expect(await works(unwatched, u.apiKey)).toBe(200);

    const listed = await a.request('GET', `/api/users/${u.id}/keys`, { key: ADMIN });
    expect(listed.body.items[0]).toMatchObject({ id: keyId, revokedAt: expect.any(String) });
    // Revoking it again changes nothing and is not an error.
    expect((await a.request('DELETE', `/api/users/${u.id}/keys/${keyId}`, { key: ADMIN })).status).toBe(204);
  });

  it('revokes by id and leaves the user’s other keys working', async () => {
    const u = await newUser('bob');
    const second = await a.request('POST', `/api/users/${u.id}/keys`, { key: ADMIN });
    expect(second.status).toBe(201);
    expect(await works(b, second.body.apiKey)).toBe(200);
    const first = (await a.request('GET', `/api/users/${u.id}/keys`, { key: ADMIN })).body.items[0].id as string;
    const heard = dropped(cacheB, first);
    expect((await b.request('DELETE', `/api/users/${u.id}/keys/${first}`, { key: ADMIN })).status).toBe(204);
    expect401(await b.request('GET', '/api/tasks', { key: u.apiKey }));
    expect(await works(b, second.body.apiKey)).toBe(200);
    await heard;
  });

  it('answers 404 for an unknown user or key, another user’s key, and ids past bigint', async () => {
    const [u, v] = [await newUser('carol'), await newUser('dave')];
    const vKey = (await a.request('GET', '/api/keys', { key: v.apiKey })).body.items[0].id as string;
    for (const path of [
      `/api/users/${u.id}/keys/${vKey}`,
      `/api/users/${u.id}/keys/${v.apiKey.slice(0, 10)}`,
      `/api/users/${u.id}/keys/99999999`,
      `/api/users/${u.id}/keys/99999999999999999999`,
      `/api/users/${u.id}/keys/9999999999999999999`,
      `/api/users/99999999/keys/${vKey}`,
      `/api/users/99999999999999999999/keys/${vKey}`,
      `/api/users/abc/keys/${vKey}`,
    ]) {
      const res = await a.request('DELETE', path, { key: ADMIN });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(await works(a, v.apiKey)).toBe(200);
  });

  it('is for admins: 403 for a user’s key, 401 without one', async () => {
    const u = await newUser('erin');
    const id = (await a.request('GET', '/api/keys', { key: u.apiKey })).body.items[0].id as string;
    expect((await a.request('DELETE', `/api/users/${u.id}/keys/${id}`, { key: u.apiKey })).status).toBe(403);
    expect((await a.request('DELETE', `/api/users/${u.id}/keys/${id}`)).status).toBe(401);
    expect(await works(a, u.apiKey)).toBe(200);
  });
});

describe('POST /api/keys/rotate', () => {
  it('returns a new key and revokes the one used, here at once and on the other replica within 2 s', async () => {
    const u = await newUser('frank');
    expect(await works(b, u.apiKey)).toBe(200);
    const oldId = (await a.request('GET', '/api/keys', { key: u.apiKey })).body.items[0].id as string;
    const heard = dropped(cacheB, oldId);
    const res = await a.request('POST', '/api/keys/rotate', { key: u.apiKey });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), prefix: res.body.apiKey.slice(0, 10), revoked: oldId });
    expect(res.body.apiKey).toMatch(/^tk_/);
    expect401(await a.request('GET', '/api/tasks', { key: u.apiKey }));
    expect(await heard).toBeLessThan(2_000);
    expect401(await b.request('GET', '/api/tasks', { key: u.apiKey }));
    expect(await works(a, res.body.apiKey)).toBe(200);
    expect(await works(b, res.body.apiKey)).toBe(200);
    const keys = (await b.request('GET', '/api/keys', { key: res.body.apiKey })).body.items;
    expect(keys).toMatchObject([
      { id: oldId, revokedAt: expect.any(String), current: false },
      { id: res.body.id, revokedAt: null, current: true },
    ]);
  });

  it('lets only one of two simultaneous rotations with the same key win', async () => {
    const u = await newUser('gina');
    const answers = await Promise.all([a.request('POST', '/api/keys/rotate', { key: u.apiKey }), b.request('POST', '/api/keys/rotate', { key: u.apiKey })]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 401]);
    const live = (await a.request('GET', `/api/users/${u.id}/keys`, { key: ADMIN })).body.items.filter((k: { revokedAt: string | null }) => !k.revokedAt);
    expect(live).toHaveLength(1);
  });

  it('needs an API key to replace: 401 with the admin token or none', async () => {
    expect401(await a.request('POST', '/api/keys/rotate', { key: ADMIN }));
    expect401(await a.request('POST', '/api/keys/rotate'));
  });
});
