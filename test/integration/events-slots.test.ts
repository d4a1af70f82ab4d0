// Stream slots of GET /api/events: a bad Last-Event-ID is refused before a slot is taken, and every way
// a stream ends (the client aborts, the client leaves during the replay, it stops reading, the server
// shuts down) gives its slot back. Waits are on the server's own events (its response closing).
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { until } from '../support/poll.ts';
import { openSse, type SseStream } from '../support/sse.ts';
import { startWebApp, type WebTestApp } from '../support/web-app.ts';

const LIMIT = 3;
let tdb: TestDatabase;
let db: Database;
let app: WebTestApp;
let alice: { id: string; apiKey: string };
const open = new Set<SseStream>();
/** The server side of each /api/events request, in arrival order. */
const responses: ServerResponse[] = [];

const closed = (res: ServerResponse) => new Promise<void>((resolve) => (res.destroyed || res.closed ? resolve() : res.once('close', () => resolve())));

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startWebApp(db, { hub: { maxPerUser: LIMIT } });
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/api/events')) responses.push(res);
  });
  alice = await app.user('alice');
});
afterEach(async () => {
  for (const s of open) s.close();
  open.clear();
  await until(() => app.hub.size() === 0, 5000, 'every stream of the test to be dropped');
});
afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

async function stream(headers: Record<string, string> = {}, query = ''): Promise<SseStream> {
  const s = await openSse(`${app.url}/api/events${query}`, { authorization: `Bearer ${alice.apiKey}`, ...headers });
  open.add(s);
  return s;
}

/** Opens a stream, aborts it from the client side and waits until the server saw its response close. */
async function openAndAbort(): Promise<void> {
  const before = responses.length;
  const s = await stream();
  expect(s.status).toBe(200);
  const res = responses[before] as ServerResponse;
  s.close();
  await closed(res);
}

const BAD_IDS = ['9999999999999999999', '9223372036854775808', '18446744073709551616', '99999999999999999999999', '-1', '1e3', '1.5', '0x10', 'abc', '1,2', '--1', '+1'];

describe('event stream slots', () => {
  it('refuses a Last-Event-ID past the bigint range or not an id with a 422 naming the field, before any slot is taken', async () => {
    const answers: Array<{ status: number; type: string | null; body: any }> = [];
    for (let i = 0; i < 20; i++) {
      const bad = BAD_IDS[i % BAD_IDS.length] as string;
      const viaHeader = i % 2 === 0;
      const s = viaHeader ? await stream({ 'last-event-id': bad }) : await stream({}, `?lastEventId=${encodeURIComponent(bad)}`);
      answers.push({ status: s.status, type: s.headers.get('content-type'), body: s.body });
      expect(s.status, `${viaHeader ? 'Last-Event-ID' : 'lastEventId'}=${bad}`).toBe(422);
      expect(s.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(s.body.errors?.[0]?.path).toBe(viaHeader ? 'Last-Event-ID' : 'lastEventId');
      expect(app.hub.size()).toBe(0);
    }
    expect(answers).toHaveLength(20);
    // Every slot is still free: the limit's worth of streams opens, the largest bigint among them.
    const ok = [await stream(), await stream({ 'last-event-id': '9223372036854775807' }), await stream({}, '?lastEventId=0')];
    expect(ok.map((s) => s.status)).toEqual([200, 200, 200]);
    // An id that cannot be this user's (too large to exist, or none) is a reset, not an error.
    await ok[1]?.waitFor((e) => e.event === 'reset');
    await ok[2]?.waitFor((e) => e.event === 'reset');
    expect((await stream()).status).toBe(429);
  });

  it('gives the slot back when the client aborts: three times the limit of open/abort, then a stream still opens', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      await openAndAbort();
      expect(app.hub.size(), `after abort #${i + 1}`).toBe(0);
    }
    const s = await stream();
    expect(s.status).toBe(200);
    const t = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { prompt: 'p', schedule: { cron: '0 9 * * *' } } });
    await s.waitFor((e) => e.event === 'task.created' && e.data.taskId === t.body.id);
  });

  it('gives the slot back when the client leaves while its replay is being read', async () => {
    // Hold the replay query on a lock, so the client is gone before the stream could start.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table events in access exclusive mode');
      // Every slot taken by a client that is already gone (each holds a pool connection meanwhile).
      for (let i = 0; i < LIMIT; i++) {
        const before = responses.length;
        const abort = new AbortController();
        const pending = fetch(`${app.url}/api/events`, { headers: { authorization: `Bearer ${alice.apiKey}`, 'last-event-id': '1' }, signal: abort.signal }).catch(() => 'aborted');
        await until(() => responses.length > before, 5000, 'the request to reach the server');
        await until(() => app.hub.size() === i + 1, 5000, 'the stream to take its slot');
        abort.abort();
        expect(await pending).toBe('aborted');
        await closed(responses[before] as ServerResponse);
      }
      expect(app.hub.size()).toBe(LIMIT);
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    // No server event marks a handler that finds its client gone: this waits on the hub's count.
    await until(() => app.hub.size() === 0, 5000, 'the abandoned streams to give their slots back');
    const again = [await stream(), await stream(), await stream()];
    expect(again.map((s) => s.status)).toEqual([200, 200, 200]);
  });

  it('gives the slot back when the replay fails while the stream is starting', async () => {
    // The replay query waits on a lock; then its connection is killed, so open() fails mid-start.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table events in access exclusive mode');
      const pending = fetch(`${app.url}/api/events`, { headers: { authorization: `Bearer ${alice.apiKey}`, 'last-event-id': '1' } });
      const blocked = await until(async () => {
        // Not through `locker`: inside its transaction pg_stat_activity would stay the first snapshot.
        const { rows } = await db.pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%from events where id = $1%'`);
        return rows[0]?.pid;
      }, 5000, 'the replay query to wait on the lock');
      expect(app.hub.size()).toBe(1);
      await locker.query('select pg_terminate_backend($1)', [blocked]);
      const res = await pending;
      // The database failed under it: a 5xx problem, but one that gave its slot back before answering.
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      await res.text();
      expect(app.hub.size()).toBe(0);
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    const again = [await stream(), await stream(), await stream()];
    expect(again.map((s) => s.status)).toEqual([200, 200, 200]);
  });

  it('gives the slot back when a client stops reading and the server drops it', async () => {
    // A raw connection that sends its request and then reads nothing.
    const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const before = responses.length;
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${alice.apiKey}\r\nAccept: text/event-stream\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    const res = responses[before] as ServerResponse;
    expect(app.hub.size()).toBe(1);
    // ~24 MB of events for this user: more than the socket buffers and the 1 MB of unsent output.
    await db.pool.query(`insert into notifications (user_id, title, body) select $1, repeat('x', 1200), 'b' from generate_series(1, 20000)`, [alice.id]);
    await closed(res);
    expect(app.hub.size()).toBe(0);
    socket.destroy();
    expect((await stream()).status).toBe(200);
  }, 60_000);

  it('gives every slot back when the server closes its hub (shutdown)', async () => {
    const other = await startWebApp(db, { hub: { maxPerUser: LIMIT } });
    try {
      const streams = await Promise.all(
        Array.from({ length: LIMIT }, () => fetch(`${other.url}/api/events`, { headers: { authorization: `Bearer ${alice.apiKey}` } })),
      );
      expect(streams.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(other.hub.size()).toBe(LIMIT);
      const bodies = streams.map((r) => r.text());
      await other.hub.close();
      expect(other.hub.size()).toBe(0);
      // Each stream ends on the client too (an orderly end: its text is complete).
      for (const text of await Promise.all(bodies)) expect(text).toMatch(/^retry: 2000\n/);
    } finally {
      await other.close();
    }
  });
});
