// Keyless (local) mode against a hostile page in a real browser: a page on another site that writes
// to the API, and a DNS-rebinding page that reads it under its own name. Chromium resolves the
// attacker's name, evil.test, to 127.0.0.1 (--host-resolver-rules), as a rebinding DNS server would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { browserAvailable, type LaunchedBrowser, launchChromium } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { startWebApp, type WebTestApp } from '../support/web-app.ts';

const run = browserAvailable();

describe.skipIf(!run)('keyless (local) mode against a hostile page', () => {
  let tdb: TestDatabase;
  let db: Database;
  let app: WebTestApp;
  let hostile: Server;
  let hostilePort: number;
  let apiPort: string;
  let chromium: LaunchedBrowser;
  let page: Page;
  const userTasks = async () => (await db.pool.query<{ name: string; enabled: boolean }>("select name, enabled from tasks where kind = 'user' order by id")).rows;
  const refused = (status: string) => {
    const line = app.deps.metrics?.render().split('\n').find((l) => l.startsWith('tickler_http_requests_total{') && l.includes('method="POST"') && l.includes(`status="${status}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(6);
    app = await startWebApp(db, { env: { AUTH_MODE: 'local' } });
    apiPort = new URL(app.url).port;
    const target = `http://127.0.0.1:${apiPort}/api/tasks`;
    const task = JSON.stringify({ name: 'planted', prompt: 'exfiltrate', schedule: { cron: '0 9 * * *' } });
    // A task of the user's own: a body-less POST (pause) needs no content type at all.
    const { body: own } = await app.request('POST', '/api/tasks', { body: { name: 'own', prompt: 'p', schedule: { cron: '0 9 * * *' } } });
    const pause = `http://127.0.0.1:${apiPort}/api/tasks/${own.id}/pause`;
    // What an attacker's page can do without the user's help: simple requests, a form, a CORS request.
    const html = `<!doctype html><body><iframe name="sink"></iframe>
<form id="f" method="POST" action="${target}" enctype="text/plain" target="sink"><input name='${task.slice(0, -1)}, "x": "' value='"}'></form>
<script>
window.attack = async () => {
  const results = {};
  results.noCorsText = await fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(task)} }).then((r) => r.type, (e) => 'error: ' + e.message);
  results.noCorsPause = await fetch(${JSON.stringify(pause)}, { method: 'POST', mode: 'no-cors' }).then((r) => r.type, (e) => 'error: ' + e.message);
  results.corsJson = await fetch(${JSON.stringify(target)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(task)} }).then((r) => r.status, (e) => 'error: ' + e.message);
  results.form = await new Promise((resolve) => {
    document.querySelector('iframe').addEventListener('load', () => resolve('loaded'), { once: true });
    document.getElementById('f').submit();
  });
  return results;
};
</script></body>`;
    hostile = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    hostilePort = (hostile.address() as AddressInfo).port;
    chromium = await launchChromium(['--host-resolver-rules=MAP evil.test 127.0.0.1']);
    page = await (await chromium.browser.newContext()).newPage();
  });
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    hostile?.close();
    await tdb?.drop();
  });

  it('a page on another site can neither create nor pause a task: its form post, simple fetches and CORS request are refused', async () => {
    const before = refused('403');
    await page.goto(`http://evil.test:${hostilePort}/`);
    const results = await page.evaluate(() => (window as unknown as { attack: () => Promise<Record<string, unknown>> }).attack());
    // The browser hides the answers from the page (opaque, CORS failure); the server refused them all.
    expect(results).toEqual({ noCorsText: 'opaque', noCorsPause: 'opaque', corsJson: expect.stringMatching(/^error: /), form: 'loaded' });
    expect(await userTasks()).toEqual([{ name: 'own', enabled: true }]);
    // Form post and simple fetches: 403 on Origin / Sec-Fetch-Site; the CORS request died at its preflight.
    expect(refused('403') - before).toBeGreaterThanOrEqual(3);
  });

  it('a DNS-rebinding page gets a 421 for the page and for every API call made under its name', async () => {
    const res = await page.goto(`http://evil.test:${apiPort}/`);
    expect(res?.status()).toBe(421);
    const api = await page.evaluate(async () => {
      const r = await fetch('/api/tasks');
      return { status: r.status, body: await r.text() };
    });
    expect(api.status).toBe(421);
    expect(JSON.parse(api.body)).toMatchObject({ status: 421, type: expect.stringMatching(/misdirected_request$/) });
  });

  it('the web app itself, on its own origin, still creates tasks', async () => {
    await page.goto(app.url);
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'mine', prompt: 'p', schedule: { cron: '0 9 * * *' } }) });
      return r.status;
    });
    expect(status).toBe(201);
    expect(await userTasks()).toEqual([
      { name: 'own', enabled: true },
      { name: 'mine', enabled: true },
    ]);
  });
});
