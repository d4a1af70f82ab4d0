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
  app = await startTestApp(db, { env: { MAX_TASKS_PER_USER: '1000' } });
  alice = await app.user('alice');
  bob = await app.user('bob');
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const daily = { cron: '0 6 * * *' };

async function create(key: string, body: Record<string, unknown>) {
  const res = await app.request('POST', '/api/tasks', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

function expect422(res: { status: number; body: any }, path: string, message?: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.errors).toEqual([{ path, message: expect.stringMatching(message ?? /./) }]);
}

describe('after: creating and editing dependencies', () => {
  it('creates a task that only runs after others (no schedule, no next run)', async () => {
    const a = await create(alice.apiKey, { name: 'refresh', schedule: daily });
    const b = await create(alice.apiKey, { name: 'export', schedule: daily });
    const c = await create(alice.apiKey, { name: 'report', after: [b.id, Number(a.id), a.id] });
    expect(c).toMatchObject({ schedule: null, nextRunAt: null, enabled: true, waitSeconds: 3600 });
    expect(c.after).toEqual([a.id, b.id].sort((x, y) => Number(x) - Number(y)));
    const read = await app.request('GET', `/api/tasks/${c.id}`, { key: alice.apiKey });
    expect(read.body.after).toEqual(c.after);
    const listed = await app.request('GET', '/api/tasks?limit=1', { key: alice.apiKey });
    expect(listed.body.items[0].after).toEqual(c.after);
  });

  it('needs a schedule or tasks to run after', async () => {
    expect422(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'x' } }), 'schedule');
    expect422(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'x', schedule: null } }), 'schedule');
    const a = await create(alice.apiKey, { name: 'a', schedule: daily });
    const c = await create(alice.apiKey, { name: 'c', after: [a.id] });
    expect422(await app.request('PATCH', `/api/tasks/${c.id}`, { key: alice.apiKey, body: { after: [] } }), 'schedule');
    const scheduled = await app.request('PATCH', `/api/tasks/${c.id}`, { key: alice.apiKey, body: { after: [], schedule: daily } });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ after: [], schedule: { cron: '0 6 * * *' } });
    expect(scheduled.body.nextRunAt).not.toBeNull();
    const back = await app.request('PATCH', `/api/tasks/${c.id}`, { key: alice.apiKey, body: { after: [a.id], schedule: null, waitSeconds: 60 } });
    expect(back.body).toMatchObject({ after: [a.id], schedule: null, nextRunAt: null, waitSeconds: 60 });
  });

  it("refuses unknown ids and other users' tasks on the path of the offending id", async () => {
    const mine = await create(alice.apiKey, { name: 'mine', schedule: daily });
    const theirs = await create(bob.apiKey, { name: 'theirs', schedule: daily });
    expect422(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'x', after: ['99999999'] } }), 'after.0', /no task 99999999 of yours/);
    expect422(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'x', after: [mine.id, theirs.id] } }), 'after.1', /of yours/);
    expect((await app.request('PATCH', `/api/tasks/${mine.id}`, { key: bob.apiKey, body: { after: [theirs.id] } })).status).toBe(404);
    expect422(await app.request('PATCH', `/api/tasks/${theirs.id}`, { key: bob.apiKey, body: { after: [mine.id] } }), 'after.0', /of yours/);
    expect422(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'x', after: ['abc'] } }), 'after.0');
  });

  it('allows at most 20 dependencies', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 21; i++) ids.push((await create(alice.apiKey, { name: `dep ${i}`, schedule: daily })).id);
    expect(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'ok', after: ids.slice(0, 20) } })).toMatchObject({ status: 201 });
    expect422(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'x', after: ids } }), 'after');
  });
});

describe('after: cycles', () => {
  it('cannot close a cycle on create: nothing depends on a task before it exists, and future ids are unknown', async () => {
    const a = await create(alice.apiKey, { name: 'a', schedule: daily });
    const b = await create(alice.apiKey, { name: 'b', after: [a.id] });
    const next = String(Number(b.id) + 1);
    expect422(await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'self', after: [b.id, next] } }), 'after.1', /no task/);
    await create(alice.apiKey, { name: 'c', after: [a.id, b.id] });
  });

  it('refuses an edit that makes a task run after itself', async () => {
    const a = await create(alice.apiKey, { name: 'loner', schedule: daily });
    const res = await app.request('PATCH', `/api/tasks/${a.id}`, { key: alice.apiKey, body: { after: [a.id] } });
    expect422(res, 'after', new RegExp(`would close a cycle: #${a.id} "loner" → #${a.id} "loner"`));
  });

  it('refuses an edit that closes A → B → C → A, naming the cycle, and changes nothing', async () => {
    const a = await create(alice.apiKey, { name: 'A', schedule: daily });
    const b = await create(alice.apiKey, { name: 'B', after: [a.id] });
    const c = await create(alice.apiKey, { name: 'C', after: [b.id] });
    const res = await app.request('PATCH', `/api/tasks/${a.id}`, { key: alice.apiKey, body: { after: [c.id], name: 'renamed' } });
    expect422(res, 'after');
    expect(res.body.errors[0].message).toBe(`would close a cycle: #${a.id} "A" → #${b.id} "B" → #${c.id} "C" → #${a.id} "A"`);
    expect(res.body.cycle).toEqual([a.id, b.id, c.id, a.id]);
    const after = await app.request('GET', `/api/tasks/${a.id}`, { key: alice.apiKey });
    expect(after.body).toMatchObject({ name: 'A', after: [] });
  });

  it('refuses a long cycle (a chain of 150 tasks closed at its end)', async () => {
    const first = await create(alice.apiKey, { name: 'link 0', schedule: daily });
    let prev = first.id;
    for (let i = 1; i < 150; i++) prev = (await create(alice.apiKey, { name: `link ${i}`, after: [prev] })).id;
    const res = await app.request('PATCH', `/api/tasks/${first.id}`, { key: alice.apiKey, body: { after: [prev] } });
    expect422(res, 'after');
    expect(res.body.cycle).toHaveLength(151);
    expect(res.body.errors[0].message).toMatch(new RegExp(`^would close a cycle: #${first.id} "link 0" → #\\d+ "link 1" → .* → #${prev} "link 149" → #${first.id} "link 0"$`));
    // a shortcut inside the chain is no cycle
    const ok = await app.request('PATCH', `/api/tasks/${prev}`, { key: alice.apiKey, body: { after: [first.id] } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('serialises concurrent edits: two halves of a cycle cannot both pass', async () => {
    const x = await create(alice.apiKey, { name: 'x', schedule: daily });
    const y = await create(alice.apiKey, { name: 'y', schedule: daily });
    const [r1, r2] = await Promise.all([
      app.request('PATCH', `/api/tasks/${x.id}`, { key: alice.apiKey, body: { after: [y.id] } }),
      app.request('PATCH', `/api/tasks/${y.id}`, { key: alice.apiKey, body: { after: [x.id] } }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 422]);
  });
});

describe('deleting a task others run after', () => {
  it('is a 409 listing the dependents, unless ?detach=true removes the edges', async () => {
    const a = await create(alice.apiKey, { name: 'source', schedule: daily });
    const b = await create(alice.apiKey, { name: 'sink one', after: [a.id] });
    const c = await create(alice.apiKey, { name: 'sink two', schedule: daily, after: [a.id] });
    const refused = await app.request('DELETE', `/api/tasks/${a.id}`, { key: alice.apiKey });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(refused.body.dependents).toEqual([
      { id: b.id, name: 'sink one' },
      { id: c.id, name: 'sink two' },
    ]);
    expect(refused.body.detail).toMatch(/detach=true/);
    expect((await app.request('GET', `/api/tasks/${a.id}`, { key: alice.apiKey })).status).toBe(200);
    const flags = async () =>
      (await db.pool.query(`select id::text as id, has_dependencies as has from tasks where id = any($1::bigint[]) order by id`, [[b.id, c.id]])).rows.map((r) => r.has);
    expect(await flags()).toEqual([true, true]);
    expect((await app.request('DELETE', `/api/tasks/${a.id}?detach=true`, { key: alice.apiKey })).status).toBe(204);
    expect((await app.request('GET', `/api/tasks/${c.id}`, { key: alice.apiKey })).body.after).toEqual([]);
    // the claim's flag follows the edges, cascades included (triggers on task_dependencies)
    expect(await flags()).toEqual([false, false]);
    // a dependent itself deletes freely
    expect((await app.request('DELETE', `/api/tasks/${b.id}`, { key: alice.apiKey })).status).toBe(204);
  });
});

describe('GET /api/tasks/graph', () => {
  it("returns the caller's tasks that have dependencies (either side) and the edges, first to last", async () => {
    const carol = await app.user('carol');
    const a = await create(carol.apiKey, { name: 'a', schedule: daily });
    const b = await create(carol.apiKey, { name: 'b', schedule: daily });
    await create(carol.apiKey, { name: 'unrelated', schedule: daily });
    const c = await create(carol.apiKey, { name: 'c', after: [a.id, b.id] });
    const res = await app.request('GET', '/api/tasks/graph', { key: carol.apiKey });
    expect(res.status).toBe(200);
    expect(res.body.nodes.map((n: any) => n.name)).toEqual(['a', 'b', 'c']);
    expect(res.body.nodes[2]).toMatchObject({ id: c.id, scheduled: false, nextRunAt: null });
    expect(res.body.edges).toEqual([
      { from: a.id, to: c.id, satisfied: false },
      { from: b.id, to: c.id, satisfied: false },
    ]);
    const empty = await app.request('GET', '/api/tasks/graph', { key: (await app.user('dave')).apiKey });
    expect(empty.body).toEqual({ nodes: [], edges: [] });
  });
});
