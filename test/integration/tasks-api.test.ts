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
  app = await startTestApp(db, { env: { MAX_TASKS_PER_USER: '5' } });
  alice = await app.user('alice');
  bob = await app.user('bob');
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const weekdays = { name: 'HN digest', prompt: 'Summarize the top Hacker News stories', schedule: { cron: '0 9 * * 1-5' }, timezone: 'Europe/Paris' };

async function create(key: string, body: unknown = weekdays) {
  const res = await app.request('POST', '/api/tasks', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function deleteAll(key: string) {
  const list = await app.request('GET', '/api/tasks?limit=200', { key });
  for (const t of list.body.items) await app.request('DELETE', `/api/tasks/${t.id}`, { key });
}

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .+\.ts:\d+/); // never a stack trace
}

describe('tasks', () => {
  it('creates a cron task in its timezone and computes the next run in UTC', async () => {
    const t = await create(alice.apiKey);
    expect(t).toMatchObject({
      name: 'HN digest',
      prompt: 'Summarize the top Hacker News stories',
      timezone: 'Europe/Paris',
      enabled: true,
      tools: [],
      maxAttempts: 3,
      misfire: { policy: 'run_once', graceSeconds: 3600 },
      overlap: 'skip',
      schedule: { kind: 'cron', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', description: 'At 09:00, Monday through Friday' },
      lastRunAt: null,
      lastStatus: null,
    });
    const next = new Date(t.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer.
    expect([7, 8]).toContain(next.getUTCHours());
    expect(next.getUTCMinutes()).toBe(0);
    expect(typeof t.id).toBe('string');
    await deleteAll(alice.apiKey);
  });

  it('accepts intervals, one-offs, nicknames and 6-field cron', async () => {
    const every = await create(alice.apiKey, { name: 'poll', schedule: { every: '15m' } });
    expect(every.schedule).toMatchObject({ kind: 'interval', everySeconds: 900, description: 'Every 15 minutes' });
    expect(Date.parse(every.nextRunAt) - Date.parse(every.schedule.anchor)).toBe(900_000);

    const at = await create(alice.apiKey, { name: 'once', schedule: { at: '2099-12-24T18:00:00' }, timezone: 'America/New_York' });
    expect(at.nextRunAt).toBe('2099-12-24T23:00:00.000Z');
    expect(at.schedule.description).toBe('Once, on Thu 24 Dec 2099 at 18:00');

    const nick = await create(alice.apiKey, { name: 'daily', schedule: { cron: '@daily' } });
    expect(nick.schedule.cron).toBe('0 0 * * *');

    const six = await create(alice.apiKey, { name: 'six', schedule: { cron: '0 30 9 * * MON#1' } });
    expect(six.schedule.description).toBe('At 09:30, on the first Monday of the month');
    await deleteAll(alice.apiKey);
  });

  it('reads, lists with a cursor, updates and deletes', async () => {
    const a = await create(alice.apiKey, { ...weekdays, name: 'a' });
    const b = await create(alice.apiKey, { ...weekdays, name: 'b' });
    const c = await create(alice.apiKey, { ...weekdays, name: 'c', enabled: false });
    expect(c.nextRunAt).toBeNull();

    const got = await app.request('GET', `/api/tasks/${a.id}`, { key: alice.apiKey });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(a);

    const page1 = await app.request('GET', '/api/tasks?limit=2', { key: alice.apiKey });
    expect(page1.body.items.map((t: any) => t.name)).toEqual(['c', 'b']);
    const page2 = await app.request('GET', `/api/tasks?limit=2&cursor=${page1.body.nextCursor}`, { key: alice.apiKey });
    expect(page2.body.items.map((t: any) => t.name)).toEqual(['a']);
    expect(page2.body.nextCursor).toBeNull();
    const paused = await app.request('GET', '/api/tasks?enabled=false', { key: alice.apiKey });
    expect(paused.body.items.map((t: any) => t.name)).toEqual(['c']);

    const patched = await app.request('PATCH', `/api/tasks/${a.id}`, { key: alice.apiKey, body: { name: 'renamed', timezone: 'Asia/Tokyo' } });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe('renamed');
    expect(patched.body.timezone).toBe('Asia/Tokyo');
    expect(new Date(patched.body.nextRunAt).getUTCHours()).toBe(0); // 09:00 JST
    expect(patched.body.prompt).toBe(a.prompt);

    const resched = await app.request('PATCH', `/api/tasks/${a.id}`, { key: alice.apiKey, body: { schedule: { every: 3600 } } });
    expect(resched.body.schedule).toMatchObject({ kind: 'interval', everySeconds: 3600, timezone: 'Asia/Tokyo' });

    const del = await app.request('DELETE', `/api/tasks/${a.id}`, { key: alice.apiKey });
    expect(del.status).toBe(204);
    expectProblem(await app.request('GET', `/api/tasks/${a.id}`, { key: alice.apiKey }), 404);
    await deleteAll(alice.apiKey);
    void b;
  });

  it('pauses and resumes, resuming from now', async () => {
    const t = await create(alice.apiKey);
    const paused = await app.request('POST', `/api/tasks/${t.id}/pause`, { key: alice.apiKey });
    expect(paused.body).toMatchObject({ enabled: false, nextRunAt: null });
    const resumed = await app.request('POST', `/api/tasks/${t.id}/resume`, { key: alice.apiKey });
    expect(resumed.body).toMatchObject({ enabled: true, nextRunAt: t.nextRunAt, pausedReason: null });
    await deleteAll(alice.apiKey);
  });

  it('records a queued manual execution on run now, and lists and reads it', async () => {
    const t = await create(alice.apiKey);
    const run = await app.request('POST', `/api/tasks/${t.id}/run`, { key: alice.apiKey });
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ taskId: t.id, status: 'queued', trigger: 'manual', attempt: 1, output: null, error: null, dryRun: false });
    expect(run.body.usage).toEqual({ promptTokens: 0, completionTokens: 0, llmCalls: 0, toolCalls: 0 });

    const list = await app.request('GET', `/api/tasks/${t.id}/executions`, { key: alice.apiKey });
    expect(list.body.items.map((x: any) => x.id)).toEqual([run.body.id]);
    const filtered = await app.request('GET', `/api/tasks/${t.id}/executions?status=succeeded`, { key: alice.apiKey });
    expect(filtered.body.items).toEqual([]);

    const one = await app.request('GET', `/api/executions/${run.body.id}`, { key: alice.apiKey });
    expect(one.body).toMatchObject({ id: run.body.id, steps: [] });

    const cancel = await app.request('POST', `/api/executions/${run.body.id}/cancel`, { key: alice.apiKey });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'cancelled', error: { type: 'cancelled' } });
    expectProblem(await app.request('POST', `/api/executions/${run.body.id}/cancel`, { key: alice.apiKey }), 409);

    const dry = await app.request('POST', `/api/tasks/${t.id}/run`, { key: alice.apiKey, body: { dryRun: true } });
    expect(dry.body.dryRun).toBe(true);
    await deleteAll(alice.apiKey);
  });
});

describe('validation', () => {
  const cases: Array<[string, unknown, string]> = [
    ['an unknown field', { ...weekdays, colour: 'red' }, 'colour'],
    ['a mistyped field', { ...weekdays, maxAttempts: 'three' }, 'maxAttempts'],
    ['a fractional number', { ...weekdays, maxAttempts: 2.5 }, 'maxAttempts'],
    ['an unknown timezone', { ...weekdays, timezone: 'Mars/Olympus' }, 'timezone'],
    ['an invalid cron', { ...weekdays, schedule: { cron: '61 * * * *' } }, 'schedule.cron'],
    ['a cron that never fires', { ...weekdays, schedule: { cron: '0 0 30 2 *' } }, 'schedule.cron'],
    ['a one-off in the past', { ...weekdays, schedule: { at: '2001-01-01T00:00:00Z' } }, 'schedule.at'],
    ['two schedule forms at once', { ...weekdays, schedule: { cron: '0 9 * * *', every: '1h' } }, 'schedule'],
    ['no schedule', { name: 'x' }, 'schedule'],
    ['a bad interval', { ...weekdays, schedule: { every: 'fortnightly' } }, 'schedule.every'],
    ['an unknown misfire policy', { ...weekdays, misfire: { policy: 'maybe' } }, 'misfire.policy'],
    ['endAt before startAt', { ...weekdays, startAt: '2099-01-02T00:00:00Z', endAt: '2099-01-01T00:00:00Z' }, 'endAt'],
    ['a bad tool name', { ...weekdays, tools: ['Rm -rf'] }, 'tools.0'],
  ];
  for (const [what, body, path] of cases) {
    it(`rejects ${what} with a 422 naming ${path}`, async () => {
      const res = await app.request('POST', '/api/tasks', { key: alice.apiKey, body });
      expectProblem(res, 422);
      expect(res.body.errors.map((e: any) => e.path)).toContain(path);
    });
  }

  it('rejects a PATCH with an invalid schedule and leaves the task unchanged', async () => {
    const t = await create(alice.apiKey);
    const res = await app.request('PATCH', `/api/tasks/${t.id}`, { key: alice.apiKey, body: { name: 'new', schedule: { cron: 'nope' } } });
    expectProblem(res, 422);
    const again = await app.request('GET', `/api/tasks/${t.id}`, { key: alice.apiKey });
    expect(again.body).toEqual(t);
    await deleteAll(alice.apiKey);
  });

  it('answers malformed JSON with 400, a wrong content type with 415 and an oversized body with 413', async () => {
    expectProblem(await app.request('POST', '/api/tasks', { key: alice.apiKey, raw: '{"name":', headers: { 'content-type': 'application/json' } }), 400);
    expectProblem(await app.request('POST', '/api/tasks', { key: alice.apiKey, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415);
    const huge = JSON.stringify({ ...weekdays, prompt: 'x'.repeat(1_100_000) });
    expectProblem(await app.request('POST', '/api/tasks', { key: alice.apiKey, raw: huge, headers: { 'content-type': 'application/json' } }), 413);
    expectProblem(await app.request('POST', '/api/tasks', { key: alice.apiKey, raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), headers: { 'content-type': 'application/json' } }), 400);
  });

  it('answers an unknown route with 404 and a wrong method with 405', async () => {
    expectProblem(await app.request('GET', '/api/nothing-here', { key: alice.apiKey }), 404);
    const res = await app.request('PUT', '/api/tasks', { key: alice.apiKey, body: {} });
    expectProblem(res, 405);
    expect(res.headers.get('allow')).toMatch(/GET/);
  });

  it('rejects bad query parameters with a 422', async () => {
    const res = await app.request('GET', '/api/tasks?limit=0', { key: alice.apiKey });
    expectProblem(res, 422);
    expect(res.body.errors[0].path).toBe('limit');
    expectProblem(await app.request('GET', '/api/tasks?cursor=abc', { key: alice.apiKey }), 422);
  });
});

describe('limits', () => {
  it('enforces MAX_TASKS_PER_USER with a 422 that names the limit', async () => {
    for (let i = 0; i < 5; i++) await create(bob.apiKey, { ...weekdays, name: `t${i}` });
    const res = await app.request('POST', '/api/tasks', { key: bob.apiKey, body: weekdays });
    expectProblem(res, 422);
    expect(res.body.limit).toBe('MAX_TASKS_PER_USER');
    expect(res.body.detail).toMatch(/MAX_TASKS_PER_USER/);
    await deleteAll(bob.apiKey);
  });

  it('enforces MIN_INTERVAL_SECONDS on intervals and on dense crons', async () => {
    for (const schedule of [{ every: 30 }, { every: '59s' }, { cron: '0,30 * * * * *' }, { cron: '15,45 0 9 * * *' }]) {
      const res = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...weekdays, schedule } });
      expectProblem(res, 422);
      expect(res.body.limit).toBe('MIN_INTERVAL_SECONDS');
    }
  });
});

describe('idempotency', () => {
  it('returns the first task for a repeated Idempotency-Key and body', async () => {
    const headers = { 'idempotency-key': 'retry-after-timeout-1' };
    const first = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: weekdays, headers });
    const second = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...weekdays }, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const list = await app.request('GET', '/api/tasks', { key: alice.apiKey });
    expect(list.body.items).toHaveLength(1);
    await deleteAll(alice.apiKey);
  });

  it('creates one task when the same key arrives concurrently', async () => {
    const headers = { 'idempotency-key': 'concurrent-1' };
    const results = await Promise.all(Array.from({ length: 8 }, () => app.request('POST', '/api/tasks', { key: alice.apiKey, body: weekdays, headers })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const list = await app.request('GET', '/api/tasks', { key: alice.apiKey });
    expect(list.body.items).toHaveLength(1);
    await deleteAll(alice.apiKey);
  });

  it('refuses a reused key with a different body, and keys are per user', async () => {
    const headers = { 'idempotency-key': 'same-key' };
    const first = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: weekdays, headers });
    const other = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { ...weekdays, name: 'different' }, headers });
    expectProblem(other, 422);
    expect(other.body.errors[0].path).toBe('Idempotency-Key');
    const bobs = await app.request('POST', '/api/tasks', { key: bob.apiKey, body: weekdays, headers });
    expect(bobs.status).toBe(201);
    expect(bobs.body.id).not.toBe(first.body.id);
    await deleteAll(alice.apiKey);
    await deleteAll(bob.apiKey);
  });
});

describe('auth and isolation', () => {
  it('requires a key: none or an unknown one is a 401', async () => {
    expectProblem(await app.request('GET', '/api/tasks'), 401);
    expectProblem(await app.request('GET', '/api/tasks', { key: 'tk_not-a-real-key' }), 401);
    expectProblem(await app.request('GET', '/api/tasks', { headers: { authorization: 'Basic abc' } }), 401);
  });

  it("answers 404 for another user's task and execution on every route", async () => {
    const t = await create(alice.apiKey);
    const x = (await app.request('POST', `/api/tasks/${t.id}/run`, { key: alice.apiKey })).body;
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/api/tasks/${t.id}`],
      ['PATCH', `/api/tasks/${t.id}`, { name: 'stolen' }],
      ['POST', `/api/tasks/${t.id}/pause`],
      ['POST', `/api/tasks/${t.id}/resume`],
      ['POST', `/api/tasks/${t.id}/run`],
      ['GET', `/api/tasks/${t.id}/executions`],
      ['GET', `/api/executions/${x.id}`],
      ['POST', `/api/executions/${x.id}/cancel`],
      ['DELETE', `/api/tasks/${t.id}`],
    ];
    for (const [method, path, body] of attempts) {
      expectProblem(await app.request(method, path, { key: bob.apiKey, body }), 404);
    }
    const list = await app.request('GET', '/api/tasks', { key: bob.apiKey });
    expect(list.body.items).toEqual([]);
    const still = await app.request('GET', `/api/tasks/${t.id}`, { key: alice.apiKey });
    expect(still.body).toEqual(t);
    const xs = await app.request('GET', `/api/executions/${x.id}`, { key: alice.apiKey });
    expect(xs.body.status).toBe('queued');
    await deleteAll(alice.apiKey);
  });

  it('creates users with the admin token only, and the new key works', async () => {
    expectProblem(await app.request('POST', '/api/users', { body: { name: 'carol' } }), 401);
    expectProblem(await app.request('POST', '/api/users', { key: alice.apiKey, body: { name: 'carol' } }), 401);
    const res = await app.request('POST', '/api/users', { key: app.config.adminToken, body: { name: 'carol' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), name: 'carol', apiKey: expect.stringMatching(/^tk_/) });
    const rows = await db.pool.query('select key_hash from api_keys where user_id = $1', [res.body.id]);
    expect(rows.rows[0].key_hash).not.toContain(res.body.apiKey); // stored hashed
    expect((await app.request('GET', '/api/tasks', { key: res.body.apiKey })).status).toBe(200);
  });
});

describe('ops routes', () => {
  it('serves healthz, readyz and an OpenAPI document of every route', async () => {
    expect((await app.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await app.request('GET', '/readyz')).body).toEqual({ status: 'ready' });
    const doc = (await app.request('GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.0.3');
    for (const path of ['/api/tasks', '/api/tasks/{id}', '/api/tasks/{id}/run', '/api/executions/{id}', '/api/schedules/parse', '/api/users']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/api/tasks'].post.requestBody.content['application/json'].schema.properties.schedule).toBeDefined();
  });

  it('serves Prometheus metrics labelled by route pattern, not by id', async () => {
    const t = await create(alice.apiKey);
    await app.request('GET', `/api/tasks/${t.id}`, { key: alice.apiKey });
    const res = await app.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(res.text).toMatch(/tickler_http_requests_total\{method="GET",route="\/api\/tasks\/:id",status="200"\} \d+/);
    expect(res.text).toMatch(/tickler_http_request_duration_seconds_bucket\{route="\/api\/tasks",le="0.1"\} \d+/);
    expect(res.text).not.toContain(`/api/tasks/${t.id}"`);
    await deleteAll(alice.apiKey);
  });
});
