// MAX_TASKS_PER_USER under concurrent creates from two API replicas: every create path (the one-statement
// insert, its fall-back transaction, the batch route) counts under the owner's row lock, so the limit
// is exact — never one task over, never a refusal while there is room.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: Database;
let apps: TestApp[];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  apps = [await startTestApp(db, { env: { MAX_TASKS_PER_USER: '25' } }), await startTestApp(db, { env: { MAX_TASKS_PER_USER: '25' } })];
});

afterAll(async () => {
  for (const a of apps ?? []) await a.close();
  await tdb?.drop();
});

const task = (i: number) => ({ name: `T${i}`, prompt: 'x', schedule: { cron: '0 9 * * *' }, timezone: 'UTC' });
const count = async (userId: string) => Number((await db.pool.query('select count(*)::int as n from tasks where user_id = $1', [userId])).rows[0].n);

describe('MAX_TASKS_PER_USER with creates racing on two replicas', () => {
  it('admits exactly the room left, single creates and batches alike', async () => {
    const [a, b] = apps as [TestApp, TestApp];
    const alice = await a.user('alice');
    const bob = await a.user('bob');
    // Bob's creates share the writers' batches with Alice's: his room must not be spent by hers.
    const singles = Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).request('POST', '/api/tasks', { key: (i % 3 ? alice : bob).apiKey, body: task(i) }));
    const batches = [a, b].map((app) => app.request('POST', '/api/tasks/batch', { key: alice.apiKey, body: { tasks: [task(100), task(101), task(102)] } }));
    const results = await Promise.all([...singles, ...batches]);
    for (const r of results) expect([201, 422], r.text).toContain(r.status);
    expect(await count(alice.id)).toBe(25);
    expect(await count(bob.id)).toBe(20); // 20 of his creates, all within his room
    // Every refusal names the limit.
    for (const r of results.filter((x) => x.status === 422)) expect(r.body.limit).toBe('MAX_TASKS_PER_USER');
  });
});
