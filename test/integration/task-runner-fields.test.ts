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
  app = await startTestApp(db, { env: { OPENAI_MODELS: 'gpt-4o' } });
  alice = await app.user('alice');
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const base = { name: 'watch', prompt: 'Check the page', schedule: { cron: '0 9 * * *' }, timezone: 'Europe/Paris' };
const SECRET = 'whsec-0123456789abcdef';

describe('task fields for the runner', () => {
  it('stores model, budget and webhook, and never returns the webhook secret', async () => {
    const res = await app.request('POST', '/api/tasks', {
      key: alice.apiKey,
      body: { ...base, tools: ['http_fetch', 'notify'], model: 'gpt-4o', monthlyTokenBudget: 50_000, webhookUrl: 'https://hooks.example.com/x', webhookSecret: SECRET },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ tools: ['http_fetch', 'notify'], model: 'gpt-4o', monthlyTokenBudget: 50_000, webhookUrl: 'https://hooks.example.com/x', webhookConfigured: true });
    expect(res.text).not.toContain(SECRET);
    const read = await app.request('GET', `/api/tasks/${res.body.id}`, { key: alice.apiKey });
    expect(read.text).not.toContain(SECRET);
    const stored = await db.pool.query('select webhook_secret from tasks where id = $1', [res.body.id]);
    expect(stored.rows[0].webhook_secret).toBe(SECRET);
  });

  it('defaults the new fields to null and false', async () => {
    const res = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: base });
    expect(res.body).toMatchObject({ model: null, monthlyTokenBudget: null, webhookUrl: null, webhookConfigured: false });
  });

  it('rejects an unknown tool with a 422 naming tools.N', async () => {
    const res = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...base, tools: ['notify', 'shell_exec'] } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'tools.1', message: expect.stringContaining('http_fetch') }]);
  });

  it('requires a secret with a webhook, and accepts only http(s) URLs', async () => {
    const noSecret = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...base, webhookUrl: 'https://hooks.example.com/x' } });
    expect(noSecret.status).toBe(422);
    expect(noSecret.body.errors[0].path).toBe('webhookSecret');
    const ftp = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...base, webhookUrl: 'ftp://example.com/x', webhookSecret: SECRET } });
    expect(ftp.status).toBe(422);
    expect(ftp.body.errors[0].path).toBe('webhookUrl');
  });

  it('PATCH changes the URL keeping the secret, and clearing the URL clears the secret', async () => {
    const t = (await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...base, webhookUrl: 'https://a.example.com/', webhookSecret: SECRET } })).body;
    const moved = await app.request('PATCH', `/api/tasks/${t.id}`, { key: alice.apiKey, body: { webhookUrl: 'https://b.example.com/', model: null } });
    expect(moved.body).toMatchObject({ webhookUrl: 'https://b.example.com/', webhookConfigured: true, model: null });
    const cleared = await app.request('PATCH', `/api/tasks/${t.id}`, { key: alice.apiKey, body: { webhookUrl: null } });
    expect(cleared.body).toMatchObject({ webhookUrl: null, webhookConfigured: false });
    const stored = await db.pool.query('select webhook_secret from tasks where id = $1', [t.id]);
    expect(stored.rows[0].webhook_secret).toBeNull();
    // A new URL now needs a new secret.
    const again = await app.request('PATCH', `/api/tasks/${t.id}`, { key: alice.apiKey, body: { webhookUrl: 'https://c.example.com/' } });
    expect(again.status).toBe(422);
  });
});
