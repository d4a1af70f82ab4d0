import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let alice: { id: string; apiKey: string };
let bob: { id: string; apiKey: string };

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startTestApp(db);
  alice = await app.user('alice');
  bob = await app.user('bob');
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

async function addNotifications(userId: string, n: number): Promise<string[]> {
  const rows = await db.pool.query<{ id: string }>(
    `insert into notifications (user_id, title, body) select $1, 'title ' || i, 'body ' || i from generate_series(1, $2) i returning id::text`,
    [userId, n],
  );
  return rows.rows.map((r) => r.id);
}

describe('notifications', () => {
  it('lists newest first with a cursor and the unread count', async () => {
    const ids = await addNotifications(alice.id, 5);
    const first = await app.request('GET', '/api/notifications?limit=2', { key: alice.apiKey });
    expect(first.status).toBe(200);
    expect(first.body.unreadCount).toBe(5);
    expect(first.body.items.map((n: { id: string }) => n.id)).toEqual([ids[4], ids[3]]);
    expect(first.body.items[0]).toMatchObject({ title: 'title 5', body: 'body 5', taskId: null, executionId: null, readAt: null });
    const rest = await app.request('GET', `/api/notifications?limit=10&cursor=${first.body.nextCursor}`, { key: alice.apiKey });
    expect(rest.body.items).toHaveLength(3);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('marks one read (keeping the first time), filters by unread, and marks all read', async () => {
    const list = await app.request('GET', '/api/notifications', { key: alice.apiKey });
    const id = list.body.items[0].id;
    const read = await app.request('POST', `/api/notifications/${id}/read`, { key: alice.apiKey });
    expect(read.status).toBe(200);
    expect(read.body.readAt).toEqual(expect.any(String));
    const again = await app.request('POST', `/api/notifications/${id}/read`, { key: alice.apiKey });
    expect(again.body.readAt).toBe(read.body.readAt);

    const unread = await app.request('GET', '/api/notifications?unread=true', { key: alice.apiKey });
    expect(unread.body.items.map((n: { id: string }) => n.id)).not.toContain(id);
    expect(unread.body.unreadCount).toBe(list.body.unreadCount - 1);
    const readOnly = await app.request('GET', '/api/notifications?unread=false', { key: alice.apiKey });
    expect(readOnly.body.items.map((n: { id: string }) => n.id)).toEqual([id]);

    const all = await app.request('POST', '/api/notifications/read-all', { key: alice.apiKey });
    expect(all.body.updated).toBe(list.body.unreadCount - 1);
    expect((await app.request('GET', '/api/notifications', { key: alice.apiKey })).body.unreadCount).toBe(0);
  });

  it("keeps users apart: another user's notification is a 404 and read-all touches only your own", async () => {
    const [bobs] = await addNotifications(bob.id, 1);
    expect((await app.request('POST', `/api/notifications/${bobs}/read`, { key: alice.apiKey })).status).toBe(404);
    expect((await app.request('POST', '/api/notifications/nope/read', { key: alice.apiKey })).status).toBe(404);
    await app.request('POST', '/api/notifications/read-all', { key: alice.apiKey });
    const bobList = await app.request('GET', '/api/notifications', { key: bob.apiKey });
    expect(bobList.body).toMatchObject({ unreadCount: 1, items: [{ id: bobs, readAt: null }] });
    expect((await app.request('GET', '/api/notifications')).status).toBe(401);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await app.request('GET', '/openapi.json')).body;
    for (const path of ['/api/notifications', '/api/notifications/{id}/read', '/api/notifications/read-all']) expect(doc.paths[path], path).toBeDefined();
  });

  it('rejects bad query parameters with a 422', async () => {
    const res = await app.request('GET', '/api/notifications?unread=maybe', { key: alice.apiKey });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('unread');
  });
});
