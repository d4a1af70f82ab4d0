import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let alice: { id: string; apiKey: string };

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startTestApp(db);
  alice = await app.user('alice');
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const base = { name: 'Digest', prompt: 'Summarize the news', schedule: { cron: '0 9 * * *' }, timezone: 'UTC' };

describe('task description', () => {
  it('is null when not given, set by POST, returned by GET and the list, changed and cleared by PATCH', async () => {
    const plain = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: base });
    expect(plain.status).toBe(201);
    expect(plain.body.description).toBeNull();

    const note = 'Mine: the one I read with coffee.\nSecond line, ünïcode.';
    const made = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...base, description: note } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.description).toBe(note);

    const got = await app.request('GET', `/api/tasks/${made.body.id}`, { key: alice.apiKey });
    expect(got.body.description).toBe(note);
    const list = await app.request('GET', '/api/tasks', { key: alice.apiKey });
    expect(list.body.items.find((t: { id: string }) => t.id === made.body.id).description).toBe(note);

    const edited = await app.request('PATCH', `/api/tasks/${made.body.id}`, { key: alice.apiKey, body: { description: 'changed' } });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.description).toBe('changed');
    // A PATCH of another field keeps the note.
    await app.request('PATCH', `/api/tasks/${made.body.id}`, { key: alice.apiKey, body: { name: 'Digest 2' } });
    expect((await app.request('GET', `/api/tasks/${made.body.id}`, { key: alice.apiKey })).body.description).toBe('changed');

    const cleared = await app.request('PATCH', `/api/tasks/${made.body.id}`, { key: alice.apiKey, body: { description: null } });
    expect(cleared.body.description).toBeNull();
    expect((await app.request('GET', `/api/tasks/${made.body.id}`, { key: alice.apiKey })).body.description).toBeNull();
  });

  it('refuses more than 2,000 characters with a 422 naming the field, on create and on update', async () => {
    const long = 'x'.repeat(2001);
    const res = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...base, description: long } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('description');

    const ok = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...base, description: 'x'.repeat(2000) } });
    expect(ok.status).toBe(201);
    expect(ok.body.description).toHaveLength(2000);
    const patch = await app.request('PATCH', `/api/tasks/${ok.body.id}`, { key: alice.apiKey, body: { description: long } });
    expect(patch.status).toBe(422);
    expect(patch.body.errors.map((e: { path: string }) => e.path)).toContain('description');
    expect((await app.request('GET', `/api/tasks/${ok.body.id}`, { key: alice.apiKey })).body.description).toHaveLength(2000);
  });

  it('is held to 2,000 characters by the table too', async () => {
    const ok = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: base });
    await expect(db.pool.query('update tasks set description = $1 where id = $2', ['y'.repeat(2001), ok.body.id])).rejects.toThrow(/tasks_description_length/);
  });
});
