// A request is authenticated before its body is read: without credentials it costs no read and no
// parse. A body that is read may not nest deeper than MAX_JSON_DEPTH.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/api/body.ts';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const ADMIN = 'admin-token-for-tests-0123456789';

/**
 * Sends the request line, the headers and only the start of a body that claims `declared` bytes,
 * then resolves with the status line of whatever comes back within `ms` (null: nothing came). The
 * rest of the body is sent only if `rest` is given, `restAfterMs` later.
 */
function partialBody(url: string, head: string, declared: number, start: string, ms: number, rest?: string, restAfterMs = 0): Promise<{ status: number | null; answeredBeforeRest: boolean }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    let restSent = false;
    const finish = (status: number | null) => {
      clearTimeout(timer);
      clearTimeout(restTimer);
      socket.destroy();
      resolve({ status, answeredBeforeRest: !restSent });
    };
    const timer = setTimeout(() => finish(null), ms);
    const restTimer = rest === undefined ? undefined : setTimeout(() => {
      restSent = true;
      socket.write(rest);
    }, restAfterMs);
    socket.on('data', (d) => {
      text += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) finish(Number(m[1]));
    });
    socket.on('error', reject);
    socket.write(`${head}\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n${start}`);
  });
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('authentication before the body', () => {
  let tdb: TestDatabase;
  let db: Database;
  let app: TestApp;
  let key: string;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(4);
    app = await startTestApp(db, { env: { BODY_LIMIT_BYTES: '65536' } });
    key = (await app.user('reader')).apiKey;
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it('answers 401 to a malformed, oversized or non-JSON body sent without credentials (not 400, 413 or 415)', async () => {
    const huge = `{"name": "${'x'.repeat(200_000)}"}`;
    for (const [path, raw, type] of [
      ['/api/tasks', '{"name": ', 'application/json'],
      ['/api/tasks', huge, 'application/json'],
      ['/api/tasks', 'name=x', 'application/x-www-form-urlencoded'],
      ['/api/tasks', nested(10_000), 'application/json'],
      ['/api/schedules/parse', '{{{', 'application/json'],
      ['/api/tasks/1/run', '[', 'application/json'],
    ] as const) {
      for (const headers of [{}, { authorization: 'Bearer tk_not-a-key' }] as Record<string, string>[]) {
        const r = await app.request('POST', path, { raw, headers: { 'content-type': type, ...headers } });
        expect(r.status, `${path} ${raw.slice(0, 20)}`).toBe(401);
        expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    }
    // An admin route without the admin token, likewise.
    const admin = await app.request('POST', '/api/users', { raw: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(admin.status).toBe(401);
    // With credentials the same bodies get what they deserve.
    expect((await app.request('POST', '/api/tasks', { key, raw: '{"name": ', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await app.request('POST', '/api/tasks', { key, raw: huge, headers: { 'content-type': 'application/json' } })).status).toBe(413);
    expect((await app.request('POST', '/api/users', { key: ADMIN, raw: '{"name": ', headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('answers an unauthenticated request before its body has arrived: the body is never read', async () => {
    // 60 KB declared, 10 bytes sent, the rest never: a server that read the body first would wait.
    const r = await partialBody(app.url, 'POST /api/tasks HTTP/1.1', 60_000, '{"name": "', 5_000);
    expect(r.status).toBe(401);
    const badKey = await partialBody(app.url, 'POST /api/tasks HTTP/1.1\r\nAuthorization: Bearer tk_unknown', 60_000, '{"name": "', 5_000);
    expect(badKey.status).toBe(401);
    // With a key the server does wait for the body, and answers only once it is complete.
    const rest = `${'x'.repeat(60_000 - 11)}"`;
    const keyed = await partialBody(app.url, `POST /api/tasks HTTP/1.1\r\nAuthorization: Bearer ${key}`, 60_000, '{"name": "', 5_000, rest, 300);
    expect(keyed).toEqual({ status: 400, answeredBeforeRest: false });
  });

  it('closes the connection after refusing an unauthenticated upload instead of draining it', async () => {
    const { port } = new URL(app.url);
    const declared = 500_000_000;
    const outcome = await new Promise<{ status: number | null; closed: boolean; sent: number }>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let status: number | null = null;
      let text = '';
      let sent = 0;
      let closed = false;
      socket.on('data', (d) => {
        text += d;
        status ??= Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? Number.NaN) || null;
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        closed = true;
      });
      socket.write(`POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const started = Date.now();
      // Bounded: at most 5 s and the declared length; a draining server would take all of it.
      const pump = () => {
        if (closed || Date.now() - started > 5_000 || sent >= declared) {
          socket.destroy();
          resolve({ status, closed, sent });
          return;
        }
        while (!closed && socket.writable && socket.writableLength < 1 << 20) {
          socket.write(chunk);
          sent += chunk.length;
        }
        setTimeout(pump, 5); // pacing the upload, not waiting for the server
      };
      pump();
    });
    expect(outcome.status).toBe(401);
    expect(outcome.closed).toBe(true);
    expect(outcome.sent).toBeLessThan(100_000_000);
  });

  it(`caps JSON nesting at ${MAX_JSON_DEPTH}: 65 levels and 10,000 levels get a 422 naming the body, 64 levels reach validation`, async () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    for (const depth of [65, 10_000]) {
      for (const raw of [nested(depth), `{"text": ${nested(depth - 1)}}`, `{"a":`.repeat(depth) + '1' + '}'.repeat(depth), '['.repeat(depth)]) {
        const started = performance.now();
        const r = await app.request('POST', '/api/schedules/parse', { key, raw, headers: { 'content-type': 'application/json' } });
        expect(r.status, `${depth} ${raw.slice(0, 12)}`).toBe(422);
        expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(r.body.type).toMatch(/nesting_too_deep$/);
        expect(r.body.errors).toEqual([{ path: '(body)', message: 'must not nest objects and arrays more than 64 levels deep' }]);
        expect(performance.now() - started).toBeLessThan(2_000);
      }
    }
    // 64 levels pass the cap: the schema, not the cap, answers (a field error on `text`).
    const at64 = await app.request('POST', '/api/schedules/parse', { key, raw: `{"text": ${nested(63)}}`, headers: { 'content-type': 'application/json' } });
    expect(at64.status).toBe(422);
    expect(at64.body.type).toMatch(/validation_failed$/);
    expect(at64.body.errors.map((e: { path: string }) => e.path)).toEqual(['text']);
    // Brackets inside strings (escaped quotes included) are text, not nesting.
    const inString = await app.request('POST', '/api/tasks', {
      key,
      body: { name: `[{"\\"${'['.repeat(150)}`, prompt: `\\" ${'{'.repeat(500)}`, schedule: { cron: '0 9 * * *' } },
    });
    expect(inString.status).toBe(201);
    expect(inString.body.name).toBe(`[{"\\"${'['.repeat(150)}`);
  });
});
