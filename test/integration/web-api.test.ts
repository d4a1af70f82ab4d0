import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_DIR } from '../../src/api/web.ts';
import type { Database } from '../../src/models/db.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { startWebApp, type WebTestApp } from '../support/web-app.ts';

let tdb: TestDatabase;
let db: Database;
let app: WebTestApp;
let local: WebTestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startWebApp(db);
  local = await startWebApp(db, { env: { AUTH_MODE: 'local' } });
});
afterAll(async () => {
  await local?.close();
  await app?.close();
  await tdb?.drop();
});

describe('the web UI’s files', () => {
  it('serves the page at / with a strict content security policy, needing no key', async () => {
    const res = await app.request('GET', '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.text).toContain('<script type="module" src="/ui/main.ts"></script>');
    // Nothing from another origin.
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the browser code as JavaScript with the types stripped, and revalidates with an ETag', async () => {
    const res = await app.request('GET', '/ui/api.ts');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.text).toContain('export function createApi(onUnauthorized');
    expect(res.text).not.toMatch(/import type|: Promise<T>|\): Api \{/);
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.request('GET', '/ui/api.ts', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await app.request('GET', '/ui/style.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('strips every browser module into JavaScript that parses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickler-web-'));
    try {
      const names = (await readdir(WEB_DIR)).filter((n) => n.endsWith('.ts'));
      expect(names.length).toBeGreaterThan(10);
      for (const name of names) {
        const res = await app.request('GET', `/ui/${name}`);
        expect(res.status).toBe(200);
        const file = join(dir, name.replace(/\.ts$/, '.mjs'));
        await writeFile(file, res.text);
        const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
        expect(check.stderr, name).toBe('');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the server out of the page: its types come from the API schemas through imports the stripping erases', async () => {
    const source = await readFile(join(WEB_DIR, 'types.ts'), 'utf8');
    expect(source).toMatch(/^import type \{[^}]*\bTaskOut\b[^}]*\} from '\.\.\/api\/schemas\.ts';$/m);
    const names = (await readdir(WEB_DIR)).filter((n) => n.endsWith('.ts'));
    for (const name of names) {
      const res = await app.request('GET', `/ui/${name}`);
      // Every import a served module still makes stays in the page's own folder.
      const specifiers = [...res.text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]);
      expect(specifiers.filter((p) => !p?.startsWith('./')), name).toEqual([]);
    }
    expect((await app.request('GET', '/ui/types.ts')).text).not.toMatch(/\bimport\s*[{*'"(]|\bfrom\s+['"]/);
  });

  it('serves nothing outside its folder, and leaves /api/* and unknown paths to the API’s problem documents', async () => {
    for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', '/ui/nope.ts', '/src/web/main.ts', '/package.json']) {
      const res = await app.request('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/problem\+json/);
    }
    const api = await app.request('GET', '/api/nothing-here');
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ status: 404, detail: 'no route for GET /api/nothing-here' });
    expect((await app.request('POST', '/')).status).toBe(404);
    // API routes keep precedence.
    expect((await app.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
  });
});

describe('GET /api/session', () => {
  it('tells the page whether to ask for a key, and who is signed in', async () => {
    const alice = await app.user('alice');
    expect((await app.request('GET', '/api/session')).body).toEqual({ authMode: 'apikey', user: null, tools: expect.arrayContaining(['notify', 'http_fetch']), llmConfigured: false });
    const signedIn = await app.request('GET', '/api/session', { key: alice.apiKey });
    expect(signedIn.body).toMatchObject({ authMode: 'apikey', user: { id: alice.id, name: 'alice', isAdmin: false } });
    expect(signedIn.headers.get('cache-control')).toBe('no-store');
    expect((await app.request('GET', '/api/session', { key: 'tk_revoked-or-wrong' })).status).toBe(401);
  });

  it('in local mode, needs no key: the local user is signed in and is an admin', async () => {
    const res = await local.request('GET', '/api/session');
    expect(res.body).toMatchObject({ authMode: 'local', user: { name: 'local', isAdmin: true } });
  });
});
