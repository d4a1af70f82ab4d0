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
  app = await startTestApp(db, { env: { MAX_TASKS_PER_USER: '1500' } });
  alice = await app.user('alice');
  bob = await app.user('bob');
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const task = (i: number) => ({ name: `T${i}`, prompt: `do ${i}`, schedule: { cron: '0 9 * * *' }, timezone: 'UTC' });
const count = async (userId: string) => Number((await db.pool.query('select count(*)::int as n from tasks where user_id = $1', [userId])).rows[0].n);

describe('POST /api/tasks/batch', () => {
  it('creates every task in request order, each as a single create would, readable by GET', async () => {
    const before = await count(alice.id);
    const res = await app.request('POST', '/api/tasks/batch', { key: alice.apiKey, body: { tasks: [task(1), { ...task(2), description: 'note', maxAttempts: 5 }, task(3)] } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.items.map((t: { name: string }) => t.name)).toEqual(['T1', 'T2', 'T3']);
    expect(res.body.items[1]).toMatchObject({ description: 'note', maxAttempts: 5, misfire: { policy: 'run_once', graceSeconds: 3600 }, overlap: 'skip', waitSeconds: 3600 });
    expect(res.body.items[0].nextRunAt).not.toBeNull();
    expect(await count(alice.id)).toBe(before + 3);
    const single = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: task(1) });
    const got = await app.request('GET', `/api/tasks/${res.body.items[0].id}`, { key: alice.apiKey });
    const strip = ({ id: _i, createdAt: _c, updatedAt: _u, ...rest }: Record<string, unknown>) => rest;
    expect(strip(got.body)).toEqual(strip(single.body));
    expect(strip(res.body.items[0])).toEqual(strip(single.body));
  });

  it('stores nothing when one task is bad, and names it tasks[i].field', async () => {
    const before = await count(alice.id);
    const bad = await app.request('POST', '/api/tasks/batch', { key: alice.apiKey, body: { tasks: [task(1), task(2), { ...task(3), maxAttempts: 0 }, { ...task(4), bogus: 1 }] } });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain('tasks[2].maxAttempts');
    expect(paths).toContain('tasks[3].bogus');
    // Found only when the task is resolved (after the schema): still named, still nothing stored.
    const zone = await app.request('POST', '/api/tasks/batch', { key: alice.apiKey, body: { tasks: [task(1), { ...task(2), timezone: 'Mars/Olympus' }] } });
    expect(zone.status).toBe(422);
    expect(zone.body.errors.map((e: { path: string }) => e.path)).toEqual(['tasks[1].timezone']);
    const mine = await app.request('POST', '/api/tasks', { key: bob.apiKey, body: task(9) });
    const after = await app.request('POST', '/api/tasks/batch', { key: alice.apiKey, body: { tasks: [task(1), { ...task(2), after: [mine.body.id] }] } });
    expect(after.status).toBe(422);
    expect(after.body.errors.map((e: { path: string }) => e.path)).toEqual(['tasks[1].after.0']);
    expect(await count(alice.id)).toBe(before);
  });

  it('refuses an empty batch, more than 1,000 tasks, and a batch past the task limit, storing nothing', async () => {
    expect((await app.request('POST', '/api/tasks/batch', { key: alice.apiKey, body: { tasks: [] } })).status).toBe(422);
    const big = await app.request('POST', '/api/tasks/batch', { key: alice.apiKey, body: { tasks: Array.from({ length: 1001 }, (_, i) => task(i)) } });
    expect(big.status).toBe(422);
    expect(big.body.errors.map((e: { path: string }) => e.path)).toContain('tasks');
    expect(await count(alice.id)).toBe(4);
    // The limit (1,500 here) counts the tasks already owned: 1,000 fit, then 501 more do not, and none of them is kept.
    const carol = await app.user('carol');
    expect((await app.request('POST', '/api/tasks/batch', { key: carol.apiKey, body: { tasks: Array.from({ length: 1000 }, (_, i) => task(i)) } })).status).toBe(201);
    const over = await app.request('POST', '/api/tasks/batch', { key: carol.apiKey, body: { tasks: Array.from({ length: 501 }, (_, i) => task(i)) } });
    expect(over.status).toBe(422);
    expect(over.body.type).toMatch(/limit_exceeded$/);
    expect(over.body.limit).toBe('MAX_TASKS_PER_USER');
    expect(over.body.detail).toMatch(/1000 tasks.*501 more.*1500/);
    expect(await count(carol.id)).toBe(1000);
    expect((await app.request('POST', '/api/tasks/batch', { key: carol.apiKey, body: { tasks: Array.from({ length: 500 }, (_, i) => task(i)) } })).status).toBe(201);
  });

  it('creates 1,000 tasks with dependencies between existing tasks', async () => {
    const dep = await app.request('POST', '/api/tasks', { key: bob.apiKey, body: task(0) });
    const res = await app.request('POST', '/api/tasks/batch', {
      key: bob.apiKey,
      body: { tasks: Array.from({ length: 1000 }, (_, i) => (i % 2 ? { ...task(i), after: [dep.body.id] } : task(i))) },
    });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(201);
    expect(res.body.items).toHaveLength(1000);
    expect(res.body.items[1].after).toEqual([dep.body.id]);
    const edges = await db.pool.query('select count(*)::int as n from task_dependencies where depends_on_id = $1', [dep.body.id]);
    expect(edges.rows[0].n).toBe(500);
  });

  it('is idempotent with Idempotency-Key: a retry returns the same tasks, another body with the key is a 422', async () => {
    const body = { tasks: [task(1), task(2)] };
    const headers = { 'Idempotency-Key': 'batch-1' };
    const first = await app.request('POST', '/api/tasks/batch', { key: bob.apiKey, body, headers });
    expect(first.status).toBe(201);
    const before = await count(bob.id);
    const again = await app.request('POST', '/api/tasks/batch', { key: bob.apiKey, body, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.items.map((t: { id: string }) => t.id)).toEqual(first.body.items.map((t: { id: string }) => t.id));
    expect(await count(bob.id)).toBe(before);
    const other = await app.request('POST', '/api/tasks/batch', { key: bob.apiKey, body: { tasks: [task(3)] }, headers });
    expect(other.status).toBe(422);
    expect(other.body.errors[0].path).toBe('Idempotency-Key');
    // Concurrent retries of one keyed batch create it once.
    const race = await Promise.all(Array.from({ length: 4 }, () => app.request('POST', '/api/tasks/batch', { key: bob.apiKey, body, headers: { 'Idempotency-Key': 'batch-2' } })));
    expect(race.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(race.map((r) => r.body.items[0].id)).size).toBe(1);
    expect(await count(bob.id)).toBe(before + 2);
  });

  it('saves each task\'s action with it, and refuses an action this server cannot carry out, naming tasks[i]', async () => {
    const http = { kind: 'http', url: 'https://example.test/x', secret: 'a-secret-of-16-chars+' };
    const res = await app.request('POST', '/api/tasks/batch', { key: bob.apiKey, body: { tasks: [task(1), { ...task(2), action: http }] } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.items[0].action).toEqual({ kind: 'llm' });
    expect(res.body.items[1].action).toEqual({ kind: 'http', url: 'https://example.test/x' });
    const got = await app.request('GET', `/api/tasks/${res.body.items[1].id}`, { key: bob.apiKey });
    expect(got.body.action).toEqual({ kind: 'http', url: 'https://example.test/x' });
    const before = await count(bob.id);
    const amqp = { kind: 'amqp', exchange: 'jobs', routingKey: 'k' };
    const bad = await app.request('POST', '/api/tasks/batch', { key: bob.apiKey, body: { tasks: [task(1), { ...task(2), action: amqp }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('tasks[1].action.kind');
    expect(await count(bob.id)).toBe(before);
  });

  // The writer inserts CHUNK (250) tasks a statement, each chunk sent while the next is resolved.
  describe('batches of several insert chunks', () => {
    const many = (n: number, at: Record<number, Record<string, unknown>> = {}) => Array.from({ length: n }, (_, i) => ({ ...task(i), ...at[i] }));

    it('stores none of them when a task in the last chunk is invalid, or names a task that is not the caller\'s', async () => {
      const dave = await app.user('dave');
      const zone = await app.request('POST', '/api/tasks/batch', { key: dave.apiKey, body: { tasks: many(700, { 650: { timezone: 'Mars/Olympus' } }) } });
      expect(zone.status).toBe(422);
      expect(zone.body.errors.map((e: { path: string }) => e.path)).toEqual(['tasks[650].timezone']);
      const theirs = await app.request('POST', '/api/tasks', { key: bob.apiKey, body: task(0) });
      const after = await app.request('POST', '/api/tasks/batch', { key: dave.apiKey, body: { tasks: many(700, { 699: { after: [theirs.body.id] } }) } });
      expect(after.status).toBe(422);
      expect(after.body.errors.map((e: { path: string }) => e.path)).toEqual(['tasks[699].after.0']);
      // A bad after in the first chunk still lets a later invalid task be the answer, as when all were resolved first.
      const both = await app.request('POST', '/api/tasks/batch', { key: dave.apiKey, body: { tasks: many(700, { 3: { after: [theirs.body.id] }, 600: { maxAttempts: 0 } }) } });
      expect(both.status).toBe(422);
      expect(both.body.errors.map((e: { path: string }) => e.path)).toEqual(['tasks[600].maxAttempts']);
      const late = await app.request('POST', '/api/tasks/batch', { key: dave.apiKey, body: { tasks: many(700, { 3: { after: [theirs.body.id] }, 600: { timezone: 'Mars/Olympus' } }) } });
      expect(late.body.errors.map((e: { path: string }) => e.path)).toEqual(['tasks[600].timezone']);
      expect(await count(dave.id)).toBe(0);
      // Past the limit with an invalid task: the task is named, and nothing is stored.
      expect((await app.request('POST', '/api/tasks/batch', { key: dave.apiKey, body: { tasks: many(1000) } })).status).toBe(201);
      const over = await app.request('POST', '/api/tasks/batch', { key: dave.apiKey, body: { tasks: many(600, { 550: { timezone: 'Mars/Olympus' } }) } });
      expect(over.body.errors.map((e: { path: string }) => e.path)).toEqual(['tasks[550].timezone']);
      expect((await app.request('POST', '/api/tasks/batch', { key: dave.apiKey, body: { tasks: many(600) } })).body.limit).toBe('MAX_TASKS_PER_USER');
      expect(await count(dave.id)).toBe(1000);
    });

    it('answers each task as GET reads it afterwards: defaults, bounds, timestamps, nextRunAt, after', async () => {
      const erin = await app.user('erin');
      const dep = await app.request('POST', '/api/tasks', { key: erin.apiKey, body: task(0) });
      const kinds: Record<string, unknown>[] = [
        {},
        { description: 'note', maxAttempts: 5, overlap: 'allow', misfire: { policy: 'skip', graceSeconds: 60 } },
        { schedule: { every: '2h' }, startAt: '2030-01-01T00:00:00.000Z', endAt: '2031-01-01T00:00:00.000Z' },
        { schedule: { at: '2031-05-01T10:00:00Z' }, timezone: 'Europe/Paris', enabled: false },
        { schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE' }, tools: ['notify'], notifyResult: true, waitSeconds: 60 },
        { after: [dep.body.id], schedule: null, webhookUrl: 'https://example.test/hook', webhookSecret: 'a-secret-of-16-chars+', webhookEvents: ['failed'] },
        { model: null, monthlyTokenBudget: 1000, prompt: 'say "hi" \\ {x,y} NULL', name: 'quotes " and \\ backslash' },
      ];
      const tasks = many(600).map((t, i) => ({ ...t, ...kinds[i % kinds.length] }));
      const res = await app.request('POST', '/api/tasks/batch', { key: erin.apiKey, body: { tasks } });
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(201);
      expect(res.body.items).toHaveLength(600);
      expect(res.body.items.map((t: { name: string }) => t.name)).toEqual(tasks.map((t) => t.name));
      for (const item of res.body.items) {
        const got = await app.request('GET', `/api/tasks/${item.id}`, { key: erin.apiKey });
        expect(item).toEqual(got.body);
      }
      // A single create answers the same way.
      for (const k of kinds) {
        const one = await app.request('POST', '/api/tasks', { key: erin.apiKey, body: { ...task(1), ...k } });
        expect(one.status, JSON.stringify(one.body)).toBe(201);
        expect(one.body).toEqual((await app.request('GET', `/api/tasks/${one.body.id}`, { key: erin.apiKey })).body);
      }
    });

    it('replays a keyed batch of several chunks: the same tasks in order, nothing more stored', async () => {
      const frank = await app.user('frank');
      const body = { tasks: many(600) };
      const headers = { 'Idempotency-Key': 'chunks-1' };
      const first = await app.request('POST', '/api/tasks/batch', { key: frank.apiKey, body, headers });
      expect(first.status).toBe(201);
      const again = await app.request('POST', '/api/tasks/batch', { key: frank.apiKey, body, headers });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.items).toEqual(first.body.items);
      expect(await count(frank.id)).toBe(600);
    });
  });
});
