// Keyless (local) mode acts as the admin user for anyone who can reach it, so it must refuse what a
// hostile web page can send: another Host (DNS rebinding), writes from another origin, non-JSON bodies.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { runMainToExit } from '../support/main-process.ts';

interface Raw {
  status: number;
  type: string;
  body: any;
}

/** One request with headers fetch() would not let us set (Host) or would add on its own. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: h, setHost: !('host' in headers) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: parsed });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const TASK = JSON.stringify({ name: 'digest', prompt: 'p', schedule: { cron: '0 9 * * *' } });
const JSON_TYPE = { 'content-type': 'application/json' };

describe('keyless (local) mode', () => {
  let tdb: TestDatabase;
  let db: Database;
  let local: TestApp;
  let keyed: TestApp;
  let port: string;
  const taskCount = async () => (await db.pool.query<{ n: number }>("select count(*)::int as n from tasks where kind = 'user'")).rows[0]?.n;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(4);
    local = await startTestApp(db, { env: { AUTH_MODE: 'local' } });
    keyed = await startTestApp(db);
    port = new URL(local.url).port;
  });
  afterAll(async () => {
    await local?.close();
    await keyed?.close();
    await tdb?.drop();
  });

  it('refuses to start keyless on a non-loopback HOST, naming AUTH_MODE and HOST', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '127.evil.example']) {
      expect(() => loadConfig({ AUTH_MODE: 'local', HOST: host }), host).toThrow(ConfigError);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(loadConfig({ AUTH_MODE: 'local', HOST: host }).authMode).toBe('local');
    // apikey mode binds anywhere, as before.
    expect(loadConfig({ AUTH_MODE: 'apikey', HOST: '0.0.0.0' }).authMode).toBe('apikey');

    const { code, output } = await runMainToExit({ AUTH_MODE: 'local', HOST: '0.0.0.0', DATA_DIR: '/nonexistent/never-created' });
    expect(code).toBe(1);
    expect(output).toMatch(/invalid configuration/);
    expect(output).toMatch(/AUTH_MODE: local \(keyless\) mode needs a loopback HOST/);
    expect(output).toMatch(/HOST=0\.0\.0\.0/);
  });

  it('answers loopback Host headers on any port and refuses every other name with a 421, so DNS rebinding reads nothing', async () => {
    for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`, '[::1]', '127.1.2.3:80']) {
      const r = await raw(local.url, 'GET', '/api/tasks', { host });
      expect(r.status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', `localhost:${port}.evil`, '::1', '0.0.0.0', '']) {
      for (const path of ['/api/tasks', '/', '/healthz']) {
        const r = await raw(local.url, 'GET', path, { host });
        expect(r.status, `${host} ${path}`).toBe(421);
        expect(r.type).toMatch(/^application\/problem\+json/);
        expect(r.body.type).toMatch(/misdirected_request$/);
      }
    }
    const write = await raw(local.url, 'POST', '/api/tasks', { host: 'evil.example', ...JSON_TYPE }, TASK);
    expect(write.status).toBe(421);
  });

  it('refuses a write whose Origin is another origin, or null, with a 403 and stores nothing', async () => {
    const before = await taskCount();
    for (const origin of ['http://evil.example', `http://localhost:${Number(port) + 1}`, `http://127.0.0.1:${Number(port) + 1}`, 'null', 'file://', 'not a url']) {
      for (const method of ['POST', 'PATCH', 'DELETE', 'PUT']) {
        const r = await raw(local.url, method, method === 'POST' ? '/api/tasks' : '/api/tasks/1', { origin, ...JSON_TYPE }, TASK);
        expect(r.status, `${method} ${origin}`).toBe(403);
        expect(r.type).toMatch(/^application\/problem\+json/);
        expect(r.body.type).toMatch(/cross_site_request$/);
      }
    }
    expect(await taskCount()).toBe(before);
    // The web app's own fetches (same origin, as the browser labels them) still work.
    for (const [origin, host] of [
      [`http://127.0.0.1:${port}`, `127.0.0.1:${port}`],
      [`http://localhost:${port}`, `localhost:${port}`],
      ['http://localhost', 'localhost:80'],
    ]) {
      const r = await raw(local.url, 'POST', '/api/tasks', { origin: origin as string, host: host as string, 'sec-fetch-site': 'same-origin', ...JSON_TYPE }, TASK);
      expect(r.status, origin).toBe(201);
    }
    expect(await taskCount()).toBe((before ?? 0) + 3);
  });

  it('refuses a write marked Sec-Fetch-Site cross-site or same-site with a 403, and lets reads through', async () => {
    const before = await taskCount();
    for (const site of ['cross-site', 'same-site']) {
      const r = await raw(local.url, 'POST', '/api/tasks', { 'sec-fetch-site': site, ...JSON_TYPE }, TASK);
      expect(r.status, site).toBe(403);
      expect(r.body.detail).toContain(site);
      const noBody = await raw(local.url, 'POST', '/api/notifications/read-all', { 'sec-fetch-site': site });
      expect(noBody.status, site).toBe(403);
    }
    expect(await taskCount()).toBe(before);
    // A link from another site to the web app is a navigation (GET): it must open.
    expect((await raw(local.url, 'GET', '/api/tasks', { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' })).status).toBe(200);
    expect((await raw(local.url, 'POST', '/api/notifications/read-all', { 'sec-fetch-site': 'none' })).status).toBeLessThan(300);
  });

  it('accepts a write only with a JSON body or no body at all (415 otherwise), whatever the route', async () => {
    const before = await taskCount();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      for (const [method, path] of [
        ['POST', '/api/tasks'],
        ['POST', '/api/notifications/read-all'],
        ['DELETE', '/api/tasks/1'],
        ['POST', '/no/such/route'],
      ] as const) {
        const r = await raw(local.url, method, path, type ? { 'content-type': type } : {}, TASK);
        expect(r.status, `${method} ${path} ${type}`).toBe(415);
        expect(r.type).toMatch(/^application\/problem\+json/);
      }
    }
    expect(await taskCount()).toBe(before);
    expect((await raw(local.url, 'POST', '/api/notifications/read-all', {})).status).toBeLessThan(300);
    expect((await raw(local.url, 'POST', '/api/tasks', JSON_TYPE, TASK)).status).toBe(201);
  });

  it('changes nothing in apikey mode: any Host, any Origin, with a key', async () => {
    const alice = await keyed.user('alice');
    const auth = { authorization: `Bearer ${alice.apiKey}` };
    expect((await raw(keyed.url, 'GET', '/api/tasks', { host: 'tickler.example.com', ...auth })).status).toBe(200);
    const r = await raw(keyed.url, 'POST', '/api/tasks', { host: 'tickler.example.com', origin: 'https://dashboard.example.com', 'sec-fetch-site': 'cross-site', ...JSON_TYPE, ...auth }, TASK);
    expect(r.status).toBe(201);
    expect((await raw(keyed.url, 'POST', '/api/tasks', { 'content-type': 'text/plain', ...auth }, TASK)).status).toBe(415);
  });
});
