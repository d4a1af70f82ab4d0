// /metrics can be guarded by METRICS_TOKEN and moved to a listener of its own (METRICS_HOST/PORT).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { freePort, startMain } from '../support/main-process.ts';

const TOKEN = 'scrape-token-0123456789abcdef';

describe('/metrics access', () => {
  let tdb: TestDatabase;
  let db: Database;
  let open: TestApp;
  let guarded: TestApp;
  let moved: TestApp;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(6);
    open = await startTestApp(db);
    guarded = await startTestApp(db, { env: { METRICS_TOKEN: TOKEN } });
    moved = await startTestApp(db, { env: { METRICS_PORT: '9464' } });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
    await moved?.close();
    await tdb?.drop();
  });

  it('serves /metrics to anyone when METRICS_TOKEN is unset, as before', async () => {
    const r = await open.request('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).toContain('# TYPE tickler_http_requests_total counter');
  });

  it('with METRICS_TOKEN set, answers /metrics only to Authorization: Bearer <token> (401 problem otherwise)', async () => {
    const alice = await guarded.user('alice');
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
      const r = await guarded.request('GET', '/metrics', { headers });
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.text).not.toContain('tickler_http_requests_total');
    }
    // Without any Authorization the answer says what to send (a wrong one is refused like any bad key).
    const bare = await guarded.request('GET', '/metrics');
    expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(bare.body.detail).toContain('METRICS_TOKEN');
    // Neither a user's key nor the admin token is the scraper's token.
    expect((await guarded.request('GET', '/metrics', { key: alice.apiKey })).status).toBe(401);
    expect((await guarded.request('GET', '/metrics', { key: 'admin-token-for-tests-0123456789' })).status).toBe(401);
    const ok = await guarded.request('GET', '/metrics', { key: TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('tickler_http_requests_total');
    // …and the scraper's token opens nothing else.
    expect((await guarded.request('GET', '/api/tasks', { key: TOKEN })).status).toBe(401);
    expect((await guarded.request('GET', '/api/tasks', { key: alice.apiKey })).status).toBe(200);
  });

  it('with METRICS_PORT set, the API listener has no /metrics (and the OpenAPI document none)', async () => {
    const r = await moved.request('GET', '/metrics');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const doc = await moved.request('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).not.toContain('/metrics');
    expect(Object.keys((await open.request('GET', '/openapi.json')).body.paths)).toContain('/metrics');
  });

  it('refuses a METRICS_PORT equal to PORT on the same host', () => {
    expect(() => loadConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(loadConfig({ PORT: '3000', METRICS_PORT: '3000', METRICS_HOST: '127.0.0.2' }).metrics.listener).toEqual({ host: '127.0.0.2', port: 3000 });
    expect(loadConfig({ METRICS_HOST: '127.0.0.1' }).metrics.listener).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({}).metrics.listener).toBeUndefined();
  });

  it('the server process serves /metrics on METRICS_HOST:METRICS_PORT alone, behind METRICS_TOKEN, and not on PORT', { timeout: 60_000 }, async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const main = await startMain({ DATABASE_URL: db.url, PORT: String(port), METRICS_HOST: '127.0.0.1', METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN }, ['api']);
    try {
      expect(main.output()).toMatch(/metrics listening/);
      const api = `http://127.0.0.1:${port}`;
      const scrape = `http://127.0.0.1:${metricsPort}`;
      expect((await fetch(`${api}/healthz`)).status).toBe(200);
      expect((await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
      const denied = await fetch(`${scrape}/metrics`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const ok = await fetch(`${scrape}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      const text = await ok.text();
      // The API's own requests are counted in what the separate listener serves.
      expect(text).toMatch(/tickler_http_requests_total\{[^}]*route="\/healthz"[^}]*\} 1/);
      for (const path of ['/healthz', '/api/tasks', '/openapi.json']) {
        expect((await fetch(`${scrape}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, path).toBe(404);
      }
      expect((await fetch(`${scrape}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
      // Bound to loopback: a DNS-rebinding page (another Host) reads nothing, even with the token.
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: metricsPort, path: '/metrics', headers: { host: `evil.test:${metricsPort}`, authorization: `Bearer ${TOKEN}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
      });
      expect(rebound).toBe(421);
    } finally {
      expect(await main.stop()).toBe(0);
    }
  });
});
