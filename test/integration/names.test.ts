// Names are shown to people (the web app, notifications, logs): a bidi override or isolate can make
// one read as something else, and an unpaired surrogate is not text. Both are refused, naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
const CONTROLS = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f'];
// Escaped in the JSON text: the only way a lone surrogate reaches the server (raw bytes are not UTF-8).
const LONE = ['\\ud800', '\\udbff', '\\udc00', '\\udfff', 'ok\\ud83d', '\\ude00ok'];

describe('names', () => {
  let tdb: TestDatabase;
  let db: Database;
  let app: TestApp;
  let key: string;
  const count = async (table: string) => (await db.pool.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]?.n;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(4);
    app = await startTestApp(db);
    key = (await app.user('names')).apiKey;
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  const expectNameRefused = (r: { status: number; headers: Headers; body: any }, what: string) => {
    expect(r.status, what).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body.errors, what).toEqual([{ path: 'name', message: expect.stringContaining('bidirectional control characters') }]);
  };

  it('refuses a task name holding a bidi override, isolate or mark, on create and on edit', async () => {
    const before = await count('tasks');
    const { body: task } = await app.request('POST', '/api/tasks', { key, body: { name: 'plain', prompt: 'p', schedule: { cron: '0 9 * * *' } } });
    for (const c of CONTROLS) {
      const name = `invoice${c}fdp.exe`;
      expectNameRefused(await app.request('POST', '/api/tasks', { key, body: { name, prompt: 'p', schedule: { cron: '0 9 * * *' } } }), `create U+${c.codePointAt(0)?.toString(16)}`);
      expectNameRefused(await app.request('PATCH', `/api/tasks/${task.id}`, { key, body: { name } }), `edit U+${c.codePointAt(0)?.toString(16)}`);
    }
    expect(await count('tasks')).toBe((before ?? 0) + 1);
    expect((await app.request('GET', `/api/tasks/${task.id}`, { key })).body.name).toBe('plain');
  });

  it('refuses a task or user name holding an unpaired surrogate, and keeps paired ones (emoji)', async () => {
    const before = await count('tasks');
    for (const s of LONE) {
      const raw = `{"name": "digest ${s}", "prompt": "p", "schedule": {"cron": "0 9 * * *"}}`;
      expectNameRefused(await app.request('POST', '/api/tasks', { key, raw, headers: { 'content-type': 'application/json' } }), s);
    }
    expect(await count('tasks')).toBe(before);
    const emoji = await app.request('POST', '/api/tasks', { key, raw: '{"name": "digest \\ud83d\\ude00 \u05e9\u05dc\u05d5\u05dd", "prompt": "p", "schedule": {"cron": "0 9 * * *"}}', headers: { 'content-type': 'application/json' } });
    expect(emoji.status).toBe(201);
    expect(emoji.body.name).toBe('digest 😀 שלום');
  });

  it('refuses the same in user names (POST /api/users)', async () => {
    const before = await count('users');
    for (const c of CONTROLS) expectNameRefused(await app.request('POST', '/api/users', { key: ADMIN, body: { name: `bob${c}` } }), `U+${c.codePointAt(0)?.toString(16)}`);
    expectNameRefused(await app.request('POST', '/api/users', { key: ADMIN, raw: '{"name": "bob\\udc00"}', headers: { 'content-type': 'application/json' } }), 'lone');
    expect(await count('users')).toBe(before);
    expect((await app.request('POST', '/api/users', { key: ADMIN, body: { name: 'Zoë' } })).status).toBe(201);
  });

  it('strips bidi controls and a split surrogate pair from a name derived from the prompt', async () => {
    // 59 letters then an emoji: cutting the prompt at 60 UTF-16 units would leave half the pair.
    const prompt = `\u202e${'a'.repeat(58)}😀 then more text`;
    const r = await app.request('POST', '/api/tasks', { key, body: { prompt, schedule: { cron: '0 9 * * *' } } });
    expect(r.status).toBe(201);
    expect(r.body.name).toBe('a'.repeat(58));
    expect(r.body.prompt).toBe(prompt);
    const stored = (await db.pool.query<{ name: string }>('select name from tasks where id = $1', [r.body.id])).rows[0]?.name;
    expect(stored).toBe('a'.repeat(58));
  });
});
