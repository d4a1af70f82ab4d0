// Property-based fuzzing of every route in the OpenAPI document with hostile input: wrong types, huge
// strings and arrays, deep nesting, unicode edge cases, NUL bytes, odd numbers, prototype keys,
// injection strings, invalid UTF-8, wrong content types, hostile path parameters, queries and headers,
// and values at the range edges (instants outside 1970–9999, ids past bigint) in every body field,
// path, query, cursor and header. Whatever is sent: never a 5xx, every 4xx is problem+json, the server keeps answering /healthz, and a
// rejected request changes no stored row. `npm test` runs a bounded number of cases; `npm run fuzz`
// (FUZZ_RUNS=…) runs thousands.
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { until } from '../support/poll.ts';
import { startWebApp, type WebTestApp } from '../support/web-app.ts';
import {
  FIELD_NAMES,
  hostileContentType,
  hostileHeaders,
  hostileId,
  hostileKey,
  hostileQuery,
  hostileRawBody,
  hostileValue,
  pctEncode,
  RANGE_EPOCHS,
  RANGE_IDS,
  RANGE_INSTANTS,
  rangeCursor,
  rangeValue,
} from './hostile.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 130);
// A case takes ~10 ms (request, two table snapshots, /healthz); long runs get the time they need.
const TIMEOUT = Math.max(60_000, RUNS * 200);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const ADMIN = 'admin-token-for-tests-0123456789';
const TABLES = ['users', 'api_keys', 'tasks', 'executions', 'execution_steps', 'idempotency_keys', 'notifications'];
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}
interface Got {
  status: number;
  type: string;
  text: string;
}

let tdb: TestDatabase;
let db: Database;
let app: WebTestApp;
let port: number;
let alice: { id: string; apiKey: string };
let bob: { id: string; apiKey: string };
const ids: string[] = [];
let routes: Array<{ method: string; path: string }> = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function send(req: Sent): Promise<Got> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (HEADER_VALUE.test(v)) headers[k] = v;
    if (req.body) headers['content-length'] = String(req.body.length);
    let answered = false;
    // What an HTTP client can put on the request line: anything else goes percent-encoded.
    const path = req.path.replace(/[^\x21-\x7e]/g, (c) => pctEncode(c));
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path, headers, agent }, (res) => {
      answered = true;
      // An event stream stays open: its status is the answer, and closing it must free its slot.
      if (res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/event-stream')) {
        r.destroy();
        resolve({ status: 200, type: String(res.headers['content-type']), text: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.setTimeout(20_000, () => r.destroy(new Error(`no answer within 20 s to ${req.method} ${req.path.slice(0, 200)}`)));
    r.on('error', (err) => {
      // The server may answer (413) and close before a large body is fully written; the answer counts
      // (as does a stream we closed ourselves).
      if (!answered) reject(err);
    });
    r.end(req.body);
  });
}

async function snapshot(): Promise<string> {
  const parts = await Promise.all(
    TABLES.map(async (t) => (await db.pool.query<{ h: string }>(`select coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as h from ${t} x`)).rows[0]?.h ?? ''),
  );
  return parts.join(',');
}

/** Sends one request and checks every promise the API makes about hostile input. */
async function check(req: Sent): Promise<void> {
  const before = await snapshot();
  const res = await send(req);
  const what = `${req.method} ${req.path.slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.type, what).toMatch(/^application\/problem\+json/);
    if (req.method !== 'HEAD') {
      const problem = JSON.parse(res.text) as { status: number; type: string; title: string };
      expect(problem.status, what).toBe(res.status);
      expect(typeof problem.title, what).toBe('string');
    }
    expect(await snapshot(), `a rejected request changed stored rows: ${what}`).toBe(before);
  }
  const health = await send({ method: 'GET', path: '/healthz', headers: {} });
  expect(health.status).toBe(200);
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const fill = (path: string, id: string) => path.replace(/\{\w+\}/g, id);

/** Valid bodies for each body-taking route, the starting points of the mutations. */
const VALID: Record<string, () => Record<string, unknown>> = {
  'post /api/tasks': () => ({ name: 'fuzz', prompt: 'say hi', schedule: { cron: '0 9 * * 1-5' }, timezone: 'Europe/Paris', tools: ['notify'], maxAttempts: 3, misfire: { policy: 'skip', graceSeconds: 60 }, overlap: 'allow' }),
  'patch /api/tasks/{id}': () => ({ name: 'renamed', schedule: { every: '2h' }, timezone: 'America/New_York', enabled: true }),
  'post /api/schedules/parse': () => ({ text: 'every weekday at 9am', timezone: 'Europe/Paris', now: '2026-11-25T10:00:00Z' }),
  'post /api/tasks/{id}/run': () => ({ dryRun: true }),
  'post /api/users': () => ({ name: 'someone', isAdmin: false }),
};

/** A valid body with one hostile change: a field set to a hostile value (top level or nested), or removed. */
const mutatedBody = (base: Record<string, unknown>) =>
  fc.oneof(
    fc.tuple(fc.oneof(fc.constantFrom(...FIELD_NAMES), hostileKey), hostileValue).map(([k, v]) => ({ ...base, [k]: v })),
    fc.tuple(fc.constantFrom('schedule', 'misfire'), fc.constantFrom('cron', 'every', 'at', 'text', 'policy', 'graceSeconds', '__proto__'), hostileValue).map(([o, k, v]) => ({ ...base, [o]: { [k]: v } })),
    fc.constantFrom(...Object.keys(base)).map((k) => {
      const copy = { ...base };
      delete copy[k];
      return copy;
    }),
    hostileValue.map((v) => ({ ...base, schedule: { text: typeof v === 'string' ? v : JSON.stringify(v) ?? '' } })),
    rangeBody(base),
  );

/** A valid body with range-edge values where instants and ids go (startAt, endAt, now, schedule.at, after). */
const rangeBody = (base: Record<string, unknown>) =>
  fc.oneof(
    fc.tuple(fc.constantFrom('startAt', 'endAt', 'now', 'after', 'id'), rangeValue).map(([k, v]) => ({ ...base, [k]: v })),
    fc.oneof(fc.constantFrom(...RANGE_INSTANTS), fc.constantFrom(...RANGE_EPOCHS)).map((at) => ({ ...base, schedule: { at } })),
    fc.array(fc.oneof(fc.constantFrom(...RANGE_IDS), fc.constantFrom(...RANGE_IDS).map(Number)), { minLength: 1, maxLength: 3 }).map((after) => ({ ...base, after })),
  );

const keyFor = (route: string) => (route === 'post /api/users' ? ADMIN : alice.apiKey);
const options = (runs: number) => ({ numRuns: runs, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true });

describe('fuzzing the HTTP API with hostile input', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await tdb.open(6);
    // The real parser (rules; no LLM configured, so anything the rules cannot read is a plain 422).
    const config = loadConfig({ DATABASE_URL: db.url });
    const parser = createParser({ llm: createLlm(config.openai), logger: createLogger('silent', false) });
    // With the event stream (GET /api/events) mounted, as main.ts does.
    app = await startWebApp(db, { parser, env: { MAX_TASKS_PER_USER: '400' } });
    port = Number(new URL(app.url).port);
    alice = await app.user('alice');
    bob = await app.user('bob');
    const mk = async (key: string, body: unknown, headers: Record<string, string> = {}) => {
      const r = await app.request('POST', '/api/tasks', { key, body, headers });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const a1 = await mk(alice.apiKey, { name: 'daily', prompt: 'p', schedule: { cron: '0 9 * * *' } }, { 'Idempotency-Key': 'seed-1' });
    const a2 = await mk(alice.apiKey, { name: 'once', prompt: 'p', schedule: { at: '2030-01-01T10:00:00' }, timezone: 'Asia/Tokyo' });
    const b1 = await mk(bob.apiKey, { name: 'bobs', prompt: 'p', schedule: { every: '1d' } });
    const run = await app.request('POST', `/api/tasks/${a1}/run`, { key: alice.apiKey, body: {} });
    expect(run.status).toBe(202);
    const n = await db.pool.query<{ id: string }>(`insert into notifications (user_id, task_id, title, body) values ($1, $2, 't', 'b') returning id::text as id`, [alice.id, a1]);
    ids.push(a1, a2, b1, run.body.id as string, n.rows[0]?.id as string);
    const doc = await app.request('GET', '/openapi.json');
    routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method, path })));
    expect(routes.length).toBeGreaterThanOrEqual(15);
  });
  afterAll(async () => {
    agent.destroy();
    await app?.close();
    await tdb?.drop();
  });

  it('answers near-valid bodies with hostile fields with a 2xx or a problem+json 4xx, changing nothing when rejecting', async () => {
    const bodyRoutes = Object.keys(VALID);
    const arb = fc.constantFrom(...bodyRoutes).chain((route) =>
      fc.record({ route: fc.constant(route), body: mutatedBody((VALID[route] as () => Record<string, unknown>)()), id: hostileId(ids) }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ route, body, id }) => {
        const [method, path] = route.split(' ') as [string, string];
        await check({ method: method.toUpperCase(), path: fill(path, id), headers: { ...auth(keyFor(route)), 'content-type': 'application/json' }, body: json(body) });
      }),
      options(RUNS),
    );
  }, TIMEOUT);

  it('answers raw bodies (invalid UTF-8, NUL bytes, deep nesting, huge, not JSON) and wrong content types without a 5xx', async () => {
    const arb = fc.record({ route: fc.constantFrom(...Object.keys(VALID)), body: hostileRawBody, type: hostileContentType, id: hostileId(ids) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ route, body, type, id }) => {
        const [method, path] = route.split(' ') as [string, string];
        await check({ method: method.toUpperCase(), path: fill(path, id), headers: { ...auth(keyFor(route)), ...(type === undefined ? {} : { 'content-type': type }) }, body });
      }),
      options(Math.ceil(RUNS * 0.7)),
    );
  }, TIMEOUT);

  it('answers range edges (instants outside 1970–9999, ids past bigint) in every route’s path, query, cursor, header and body with a 2xx or a 4xx', async () => {
    const arb = fc.record({
      route: fc.constantFrom(...routes),
      service: fc.constantFrom('tasks', 'system'),
      id: fc.oneof(fc.constantFrom(...RANGE_IDS), fc.constantFrom(...ids)),
      query: fc.option(
        fc.tuple(fc.constantFrom('cursor', 'lastEventId', 'limit'), rangeCursor).map(([k, v]) => `${k}=${v}`),
        { freq: 3 },
      ),
      lastEventId: fc.option(fc.constantFrom(...RANGE_IDS), { freq: 3 }),
      body: fc.option(fc.constantFrom(...Object.keys(VALID)).chain((r) => rangeBody((VALID[r] as () => Record<string, unknown>)())), { freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const method = c.route.method.toUpperCase();
        const path = `${fill(c.route.path.replace('{service}', c.service), c.id)}${c.query ? `?${c.query}` : ''}`;
        const key = c.route.path.startsWith('/api/jobs') || c.route.path === '/api/users' ? ADMIN : alice.apiKey;
        const headers: Record<string, string> = { ...auth(key), ...(c.lastEventId ? { 'last-event-id': c.lastEventId } : {}) };
        const body = method === 'GET' || method === 'DELETE' ? undefined : c.body ?? {};
        if (body !== undefined) headers['content-type'] = 'application/json';
        await check({ method, path, headers, ...(body === undefined ? {} : { body: json(body) }) });
      }),
      options(RUNS),
    );
    // Streams opened by the cases were all closed by the client: none may keep its slot.
    await until(() => app.hub.size() === 0, 5000, 'every event stream to give its slot back');
  }, TIMEOUT);

  it('answers every route with any method, path parameter, query, headers, credentials and body without a 5xx', async () => {
    const arb = fc.record({
      route: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...routes) }, { weight: 1, arbitrary: fc.constantFrom({ method: 'get', path: '/api/nope/{id}' }, { method: 'post', path: '/{id}' }) }),
      method: fc.option(fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE', 'LINK'), { freq: 4 }),
      id: hostileId(ids),
      query: hostileQuery,
      headers: hostileHeaders,
      credentials: fc.constantFrom<() => Record<string, string>>(
        () => auth(alice.apiKey),
        () => auth(bob.apiKey),
        () => auth(ADMIN),
        () => ({}),
        () => auth('tk_not-a-real-key'),
        () => ({ authorization: 'Bearer' }),
        () => ({ authorization: 'Basic YWRtaW46YWRtaW4=' }),
        () => ({ authorization: `Bearer ${'k'.repeat(5000)}` }),
        () => ({ authorization: `Bearer ${alice.apiKey} extra` }),
      ),
      body: fc.option(fc.oneof(hostileValue.map(json), hostileRawBody), { freq: 2 }),
      type: hostileContentType,
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const method = c.method ?? c.route.method.toUpperCase();
        const path = `${fill(c.route.path, c.id)}${c.query ? `?${c.query}` : ''}`;
        const headers = { ...c.headers, ...c.credentials(), ...(c.type === undefined ? {} : { 'content-type': c.type }) };
        await check({ method, path, headers, ...(c.body ? { body: c.body } : {}) });
      }),
      options(RUNS),
    );
    await until(() => app.hub.size() === 0, 5000, 'every event stream to give its slot back');
  }, TIMEOUT);
});
