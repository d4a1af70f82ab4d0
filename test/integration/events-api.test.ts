import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { until } from '../support/poll.ts';
import { openSse, type SseStream } from '../support/sse.ts';
import { startWebApp, type WebTestApp } from '../support/web-app.ts';

let tdb: TestDatabase;
let db: Database;
let app: WebTestApp;
let alice: { id: string; apiKey: string };
let bob: { id: string; apiKey: string };
const open = new Set<SseStream>();

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startWebApp(db, { hub: { maxPerUser: 3, heartbeatMs: 200 } });
  alice = await app.user('alice');
  bob = await app.user('bob');
});
afterEach(() => {
  for (const s of open) s.close();
  open.clear();
});
afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

async function stream(key: string | undefined, headers: Record<string, string> = {}, query = ''): Promise<SseStream> {
  const s = await openSse(`${app.url}/api/events${query}`, { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers });
  open.add(s);
  return s;
}

const hourly = (name: string) => ({ name, prompt: 'say hi', schedule: { cron: '0 * * * *' }, timezone: 'Europe/Paris' });

async function createTask(key: string, name: string, via: TestApp = app): Promise<string> {
  const res = await via.request('POST', '/api/tasks', { key, body: hourly(name) });
  expect(res.status).toBe(201);
  return res.body.id;
}

describe('GET /api/events', () => {
  it('streams the user’s own task and execution events, never another user’s', async () => {
    const a = await stream(alice.apiKey);
    const b = await stream(bob.apiKey);
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(a.headers.get('cache-control')).toMatch(/no-cache/);
    const aliceTask = await createTask(alice.apiKey, 'alice task');
    const bobTask = await createTask(bob.apiKey, 'bob task');
    const run = await app.request('POST', `/api/tasks/${aliceTask}/run`, { key: alice.apiKey, body: {} });
    expect(run.status).toBe(202);

    const created = await a.waitFor((e) => e.event === 'task.created' && e.data.taskId === aliceTask);
    expect(created.id).toBe(created.data.id);
    expect(created.data).toMatchObject({ type: 'task.created', taskId: aliceTask, name: 'alice task', enabled: true, at: expect.any(String) });
    const queued = await a.waitFor((e) => e.event === 'execution.queued');
    expect(queued.data).toMatchObject({ taskId: aliceTask, executionId: run.body.id, status: 'queued', trigger: 'manual', attempt: 1, dryRun: false });
    await b.waitFor((e) => e.event === 'task.created' && e.data.taskId === bobTask);
    // Bob's stream has seen events after Alice's, so it would have had hers by now.
    expect(b.events.filter((e) => e.data.taskId === aliceTask)).toEqual([]);
    expect(a.events.filter((e) => e.data.taskId === bobTask)).toEqual([]);
    // Ids grow in the order events are delivered.
    const ids = a.events.map((e) => BigInt(e.id as string));
    expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
  });

  it('starts a stream opened after writes made while none was open at the head: nothing from before, all after', async () => {
    // With no stream open the hub neither listens nor reads; the first stream to open finds the head itself.
    await until(() => app.hub.size() === 0, 5000);
    const before = [await createTask(alice.apiKey, 'unseen 1'), await createTask(alice.apiKey, 'unseen 2')];
    const a = await stream(alice.apiKey);
    const seen = await createTask(alice.apiKey, 'seen');
    await a.waitFor((e) => e.event === 'task.created' && e.data.taskId === seen);
    expect(a.events.filter((e) => before.includes(e.data.taskId as string))).toEqual([]);
  });

  it('replays what a client missed after Last-Event-ID (header or query), in order, and nothing before it', async () => {
    const first = await stream(alice.apiKey);
    const t1 = await createTask(alice.apiKey, 'before');
    const seen = await first.waitFor((e) => e.event === 'task.created' && e.data.taskId === t1);
    first.close();
    // While disconnected:
    const t2 = await createTask(alice.apiKey, 'while away');
    await app.request('POST', `/api/tasks/${t1}/pause`, { key: alice.apiKey });
    await app.request('DELETE', `/api/tasks/${t2}`, { key: alice.apiKey });

    for (const [headers, query] of [[{ 'last-event-id': seen.id as string }, ''], [{}, `?lastEventId=${seen.id}`]] as const) {
      const again = await stream(alice.apiKey, headers, query);
      await again.waitFor((e) => e.event === 'task.deleted' && e.data.taskId === t2);
      expect(again.events.map((e) => `${e.event}:${e.data.taskId}`)).toEqual([`task.created:${t2}`, `task.updated:${t1}`, `task.deleted:${t2}`]);
      expect(again.events[1]?.data).toMatchObject({ enabled: false });
      again.close();
    }
  });

  it('answers an unknown or foreign Last-Event-ID with a reset, then goes live', async () => {
    const bobs = await stream(bob.apiKey);
    await createTask(bob.apiKey, 'bob again');
    const bobEvent = await bobs.waitFor((e) => e.event === 'task.created');
    const s = await stream(alice.apiKey, { 'last-event-id': bobEvent.id as string });
    await s.waitFor((e) => e.event === 'reset');
    const t = await createTask(alice.apiKey, 'after reset');
    await s.waitFor((e) => e.data.taskId === t);
    expect(s.events.filter((e) => e.data.taskId === bobEvent.data.taskId)).toEqual([]);
  });

  it('delivers events written by another API instance and by plain SQL (the engine’s way)', async () => {
    const s = await stream(alice.apiKey);
    const other = await startTestApp(db);
    try {
      const t = await createTask(alice.apiKey, 'from the other instance', other);
      await s.waitFor((e) => e.event === 'task.created' && e.data.taskId === t, 5000, 'the other instance’s task');
      const { rows } = await db.pool.query<{ id: string }>(
        `insert into executions (task_id, user_id, status, trigger, scheduled_for) values ($1, $2, 'queued', 'manual', now()) returning id::text`,
        [t, alice.id],
      );
      const x = rows[0]?.id;
      await db.pool.query(`update executions set status = 'running', started_at = now() where id = $1`, [x]);
      await db.pool.query(`update executions set status = 'succeeded', finished_at = now() where id = $1`, [x]);
      await s.waitFor((e) => e.event === 'execution.succeeded' && e.data.executionId === x);
      expect(s.events.filter((e) => e.data.executionId === x).map((e) => e.event)).toEqual(['execution.queued', 'execution.started', 'execution.succeeded']);
    } finally {
      await other.close();
    }
  });

  it('sends a heartbeat comment while nothing happens', async () => {
    const s = await stream(alice.apiKey);
    await s.waitForComment('ping', 3000);
  });

  it('refuses a stream beyond the per-user limit with a 429 problem, and accepts one again after a close', async () => {
    const streams = [await stream(alice.apiKey), await stream(alice.apiKey), await stream(alice.apiKey)];
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const extra = await stream(alice.apiKey);
    expect(extra.status).toBe(429);
    expect(extra.headers.get('content-type')).toMatch(/problem\+json/);
    expect(extra.body).toMatchObject({ status: 429, limit: 3 });
    // Other users are not affected.
    expect((await stream(bob.apiKey)).status).toBe(200);
    streams[0]?.close();
    await until(() => app.hub.size() === 3, 3000, 'the closed stream to be dropped');
    expect((await stream(alice.apiKey)).status).toBe(200);
  });

  it('needs a valid key in apikey mode', async () => {
    const none = await stream(undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await stream('tk_not-a-real-key')).status).toBe(401);
  });
});
