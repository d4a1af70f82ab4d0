// Regressions found by the API fuzzer (test/fuzz): inputs that once produced a 5xx or a 4xx that was not
// a problem document.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

describe('hostile input the fuzzer found', () => {
  let tdb: TestDatabase;
  let db: Database;
  let app: TestApp;
  let key: string;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(4);
    app = await startTestApp(db);
    key = (await app.user('nul')).apiKey;
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it('rejects a NUL character in a JSON string (PostgreSQL cannot store it) with a 422, storing nothing', async () => {
    const before = await db.pool.query('select count(*)::int as n from tasks');
    const r = await app.request('POST', '/api/tasks', { key, raw: '{"name":"a\\u0000b","schedule":{"cron":"0 9 * * *"}}', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body.errors).toEqual([{ path: 'name', message: 'must not contain NUL characters (\\u0000)' }]);
    const nested = await app.request('POST', '/api/tasks', { key, body: { prompt: 'ok', schedule: { cron: '0 9 * * *' }, tools: ['notify', 'x\u0000'] } });
    expect(nested.status).toBe(422);
    expect(nested.body.errors[0].path).toBe('tools.1');
    const inKey = await app.request('POST', '/api/schedules/parse', { key, body: { text: 'every day at 9am', 'a\u0000': 1 } });
    expect(inKey.status).toBe(422);
    const after = await db.pool.query('select count(*)::int as n from tasks');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('answers ids and cursors past the bigint range with 404 and 422, not a 500 from the cast', async () => {
    const { body: task } = await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { cron: '0 9 * * *' } } });
    expect(task.id).toMatch(/^\d+$/);
    const huge = '9223372036854775808';
    for (const [method, path] of [
      ['GET', `/api/tasks/${huge}`],
      ['PATCH', `/api/tasks/${huge}`],
      ['DELETE', `/api/tasks/${huge}`],
      ['POST', `/api/tasks/${huge}/run`],
      ['POST', `/api/tasks/${huge}/pause`],
      ['POST', `/api/tasks/${huge}/resume`],
      ['GET', `/api/tasks/${huge}/executions`],
      ['GET', `/api/executions/${huge}`],
      ['POST', `/api/executions/${huge}/cancel`],
      ['POST', `/api/notifications/${huge}/read`],
    ] as const) {
      const r = await app.request(method, path, { key, ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }) });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    for (const path of [`/api/tasks?cursor=${huge}`, `/api/tasks/${task.id}/executions?cursor=${huge}`, `/api/notifications?cursor=9999999999999999999`]) {
      const r = await app.request('GET', path, { key });
      expect(r.status, path).toBe(422);
    }
    const ok = await app.request('GET', '/api/tasks?cursor=9223372036854775807', { key });
    expect(ok.status).toBe(200);
  });

  it('answers a method that no route implements (PROPFIND, PURGE) with 405 and Allow, not a 5xx', async () => {
    for (const method of ['PROPFIND', 'PURGE', 'LINK']) {
      const r = await app.request(method, '/api/tasks', { key });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.headers.get('allow')).toMatch(/GET/);
    }
  });

  it('answers a request line or headers over the parser limit with a problem document, not a bare status', async () => {
    const { port } = new URL(app.url);
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: `/api/tasks?cursor=${'9'.repeat(20_000)}`, headers: { authorization: `Bearer ${key}` } }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c) => {
          body += c;
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(431);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, title: 'Request header fields too large' });
    const health = await app.request('GET', '/healthz');
    expect(health.status).toBe(200);
  });
});
