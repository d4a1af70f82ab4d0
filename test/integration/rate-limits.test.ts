// Abuse limits through HTTP: per-user token buckets on create, edit, run-now and parse, refilled by
// the injected clock (a test moves it; nothing sleeps), and the allow-list of task models.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { startTestApp, type TestApp, type TestResponse } from '../support/app.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type FakeOpenAI, reply, startFakeOpenAI } from '../support/fake-openai.ts';

let tdb: TestDatabase;
let db: Database;
let fake: FakeOpenAI;
let clock: ManualClock;
let app: TestApp;
let unlimited: TestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  fake = await startFakeOpenAI();
  clock = new ManualClock(new Date());
  const logger = createLogger('silent', false);
  const parser = createParser({ llm: createLlm(loadConfig({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', OPENAI_TIMEOUT_MS: '2000' }).openai), logger });
  app = await startTestApp(db, {
    clock,
    parser,
    env: {
      RATE_LIMIT_CREATE: '3/min',
      RATE_LIMIT_EDIT: '2/h',
      RATE_LIMIT_RUN_NOW: '4/min',
      RATE_LIMIT_PARSE: '2/min',
      OPENAI_MODEL: 'gpt-4o-mini',
      OPENAI_MODELS: 'gpt-4o, o3-mini',
    },
  });
  unlimited = await startTestApp(db, { clock, env: { RATE_LIMIT_RUN_NOW: '0', RATE_LIMIT_CREATE: 'off' } });
});

beforeEach(() => fake.reset());

afterAll(async () => {
  await app?.close();
  await unlimited?.close();
  await fake?.close();
  await tdb?.drop();
});

const hourly = { name: 'digest', prompt: 'Summarize', schedule: { every: '1h' }, overlap: 'allow' };

function expect429(res: TestResponse, limit: string, retryAfter: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
  expect(res.body).toMatchObject({ status: 429, type: expect.stringMatching(/rate_limited$/), limit, retryAfterSeconds: retryAfter });
  expect(res.body.detail).toContain(limit);
}

describe('per-user rate limits', () => {
  it('refuses the 4th creation in a minute with 429 and an exact Retry-After, and lets it through once a token is back', async () => {
    const alice = await app.user();
    for (let i = 0; i < 3; i++) expect((await app.request('POST', '/api/tasks', { key: alice.apiKey, body: hourly })).status).toBe(201);
    // 3 per minute: one token every 20 s.
    expect429(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: hourly }), 'RATE_LIMIT_CREATE', 20);
    await clock.advance(19_000);
    expect429(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: hourly }), 'RATE_LIMIT_CREATE', 1);
    await clock.advance(1_000);
    expect((await app.request('POST', '/api/tasks', { key: alice.apiKey, body: hourly })).status).toBe(201);
    expect429(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: hourly }), 'RATE_LIMIT_CREATE', 20);
    // A refused request created nothing.
    expect((await app.request('GET', '/api/tasks', { key: alice.apiKey })).body.items).toHaveLength(4);
  });

  it('keeps one bucket per user: another user is not slowed down by the first', async () => {
    const [carol, dave] = [await app.user(), await app.user()];
    for (let i = 0; i < 3; i++) expect((await app.request('POST', '/api/tasks', { key: carol.apiKey, body: hourly })).status).toBe(201);
    expect((await app.request('POST', '/api/tasks', { key: carol.apiKey, body: hourly })).status).toBe(429);
    expect((await app.request('POST', '/api/tasks', { key: dave.apiKey, body: hourly })).status).toBe(201);
  });

  it('counts PATCH, pause and resume as edits of one bucket', async () => {
    const erin = await app.user();
    const t = (await unlimited.request('POST', '/api/tasks', { key: erin.apiKey, body: hourly })).body;
    expect((await app.request('PATCH', `/api/tasks/${t.id}`, { key: erin.apiKey, body: { name: 'renamed' } })).status).toBe(200);
    expect((await app.request('POST', `/api/tasks/${t.id}/pause`, { key: erin.apiKey })).status).toBe(200);
    // 2 per hour: the next token in 30 minutes.
    expect429(await app.request('POST', `/api/tasks/${t.id}/resume`, { key: erin.apiKey }), 'RATE_LIMIT_EDIT', 1800);
    expect429(await app.request('PATCH', `/api/tasks/${t.id}`, { key: erin.apiKey, body: { name: 'again' } }), 'RATE_LIMIT_EDIT', 1800);
    expect((await app.request('GET', `/api/tasks/${t.id}`, { key: erin.apiKey })).body).toMatchObject({ name: 'renamed', enabled: false });
    await clock.advance(1800_000);
    expect((await app.request('PATCH', `/api/tasks/${t.id}`, { key: erin.apiKey, body: { name: 'again' } })).status).toBe(200);
  });

  it('limits run-now, and "0" turns a limit off', async () => {
    const frank = await app.user();
    const t = (await unlimited.request('POST', '/api/tasks', { key: frank.apiKey, body: hourly })).body;
    for (let i = 0; i < 4; i++) expect((await app.request('POST', `/api/tasks/${t.id}/run`, { key: frank.apiKey })).status).toBe(202);
    expect429(await app.request('POST', `/api/tasks/${t.id}/run`, { key: frank.apiKey }), 'RATE_LIMIT_RUN_NOW', 15);
    // The same user on a replica whose RATE_LIMIT_RUN_NOW is 0 (a millisecond later: a run's
    // instant is unique per replica, and this frozen clock would give both replicas the same ones).
    await clock.advance(1);
    for (let i = 0; i < 12; i++) expect((await unlimited.request('POST', `/api/tasks/${t.id}/run`, { key: frank.apiKey })).status).toBe(202);
    const { rows } = await db.pool.query(`select count(*)::int as n from executions where task_id = $1 and trigger = 'manual'`, [t.id]);
    expect(rows[0].n).toBe(16);
  });

  it('stops a parse before its LLM fallback is called: a refused parse costs the operator nothing', async () => {
    const gina = await app.user();
    fake.setHandler(() => reply.toolCall('set_schedule', { kind: 'cron', cron: '0 9 * * *', timezone: 'UTC' }));
    const body = { text: 'at the crack of dawn, more or less', timezone: 'UTC' };
    for (let i = 0; i < 2; i++) await app.request('POST', '/api/schedules/parse', { key: gina.apiKey, body });
    const calls = fake.requests.length;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect429(await app.request('POST', '/api/schedules/parse', { key: gina.apiKey, body }), 'RATE_LIMIT_PARSE', 30);
    expect(fake.requests.length).toBe(calls);
  });

  it('documents the 429 of each limited route in the OpenAPI document', async () => {
    const doc = (await app.request('GET', '/openapi.json')).body;
    for (const [path, method] of [
      ['/api/tasks', 'post'],
      ['/api/tasks/{id}', 'patch'],
      ['/api/tasks/{id}/run', 'post'],
      ['/api/schedules/parse', 'post'],
    ] as const) {
      expect(doc.paths[path][method].responses['429'], `${method} ${path}`).toBeDefined();
    }
    expect(doc.paths['/api/tasks'].get.responses['429']).toBeUndefined();
  });
});

describe('task models are limited to OPENAI_MODELS', () => {
  it('accepts a listed model, the server default and null', async () => {
    const u = await unlimited.user();
    for (const model of ['gpt-4o', 'o3-mini', 'gpt-4o-mini', null]) {
      await clock.advance(20_000);
      const res = await app.request('POST', '/api/tasks', { key: u.apiKey, body: { ...hourly, model } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.model).toBe(model);
    }
  });

  it('refuses another model on create and on edit with a 422 naming model', async () => {
    const u = await app.user();
    const created = await app.request('POST', '/api/tasks', { key: u.apiKey, body: { ...hourly, model: 'gpt-4-32k-expensive' } });
    expect(created.status).toBe(422);
    expect(created.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(created.body.errors).toEqual([{ path: 'model', message: expect.stringContaining('gpt-4o, o3-mini') }]);

    const t = (await unlimited.request('POST', '/api/tasks', { key: u.apiKey, body: { ...hourly, model: 'gpt-4o-mini' } })).body;
    await clock.advance(3600_000);
    const patched = await app.request('PATCH', `/api/tasks/${t.id}`, { key: u.apiKey, body: { model: 'gpt-4-32k-expensive', name: 'x' } });
    expect(patched.status).toBe(422);
    expect(patched.body.errors[0].path).toBe('model');
    expect((await app.request('GET', `/api/tasks/${t.id}`, { key: u.apiKey })).body).toMatchObject({ model: 'gpt-4o-mini', name: 'digest' });
  });

  it('allows only OPENAI_MODEL when OPENAI_MODELS is unset', async () => {
    const u = await unlimited.user();
    expect(unlimited.config.openai.models).toEqual(['gpt-4o-mini']);
    expect((await unlimited.request('POST', '/api/tasks', { key: u.apiKey, body: { ...hourly, model: 'gpt-4o' } })).body.errors[0].path).toBe('model');
    expect((await unlimited.request('POST', '/api/tasks', { key: u.apiKey, body: { ...hourly, model: 'gpt-4o-mini' } })).status).toBe(201);
  });

  it('refuses a model before a text is sent to the LLM', async () => {
    const u = await unlimited.user();
    const res = await app.request('POST', '/api/tasks', { key: u.apiKey, body: { text: 'every morning at the crack of dawn summarize the news', model: 'nope' } });
    expect(res.status).toBe(422);
    expect(fake.requests).toHaveLength(0);
  });
});
