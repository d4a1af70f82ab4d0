// GET /api/executions: a user's runs across their tasks, newest first, cursor-paginated, filtered
// by task and status, with each run's task name and failed tool calls; `latest=true` gives each
// task's last finished run. Another user's runs never show; a bad query is a 4xx naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let alice: { id: string; apiKey: string };
let bob: { id: string; apiKey: string };
const tasks: Record<string, string> = {};

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startTestApp(db);
  alice = await app.user('alice');
  bob = await app.user('bob');
  for (const [who, name] of [
    [alice, 'Alpha'],
    [alice, 'Beta'],
    [bob, 'Bobs'],
  ] as const) {
    const r = await app.request('POST', '/api/tasks', { key: who.apiKey, body: { name, prompt: 'p', schedule: { cron: '0 9 * * *' } } });
    expect(r.status).toBe(201);
    tasks[name] = r.body.id;
  }
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

/** Inserts a finished run of `task`; `toolErrors` adds that many failed tool steps (and one that worked). */
async function addRun(task: string, userId: string, status: string, opts: { minutesAgo: number; output?: string; error?: string; toolErrors?: string[] }): Promise<string> {
  const at = new Date(Date.now() - opts.minutesAgo * 60_000);
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, finished_at, output, error)
     values ($1, $2, $3, 'schedule', $4, $4, $4, $5, $6) returning id::text`,
    [task, userId, status, at, opts.output ?? null, opts.error ? JSON.stringify({ type: 'x', message: opts.error }) : null],
  );
  const id = rows[0]?.id as string;
  const steps = [{ name: 'notify', result: 'ok' }, ...(opts.toolErrors ?? []).map((error) => ({ name: 'http_fetch', error }))];
  for (const [i, data] of steps.entries()) {
    await db.pool.query(`insert into execution_steps (execution_id, index, kind, started_at, duration_ms, data) values ($1, $2, 'tool', $3, 1, $4)`, [id, i, at, JSON.stringify(data)]);
  }
  return id;
}

describe('GET /api/executions', () => {
  it("lists the user's runs across tasks newest first, with task names and failed tool calls, page by page", async () => {
    const a1 = await addRun(tasks.Alpha as string, alice.id, 'succeeded', { minutesAgo: 30, output: 'first' });
    const b1 = await addRun(tasks.Beta as string, alice.id, 'failed', { minutesAgo: 20, error: 'the model said no' });
    const a2 = await addRun(tasks.Alpha as string, alice.id, 'succeeded', { minutesAgo: 10, output: 'second', toolErrors: ['host not allowed\nmore detail', 'timed out'] });
    await addRun(tasks.Bobs as string, bob.id, 'succeeded', { minutesAgo: 5, output: 'bob' });

    const first = await app.request('GET', '/api/executions?limit=2', { key: alice.apiKey });
    expect(first.status).toBe(200);
    expect(first.body.items.map((x: { id: string }) => x.id)).toEqual([a2, b1]);
    expect(first.body.items[0]).toMatchObject({ taskId: tasks.Alpha, taskName: 'Alpha', status: 'succeeded', failedToolCalls: 2, firstToolError: 'host not allowed\nmore detail' });
    expect(first.body.items[1]).toMatchObject({ taskName: 'Beta', status: 'failed', failedToolCalls: 0, firstToolError: null, error: { message: 'the model said no' } });
    const second = await app.request('GET', `/api/executions?limit=2&cursor=${first.body.nextCursor}`, { key: alice.apiKey });
    expect(second.body.items.map((x: { id: string }) => x.id)).toEqual([a1]);
    expect(second.body.nextCursor).toBeNull();

    const failed = await app.request('GET', '/api/executions?status=failed', { key: alice.apiKey });
    expect(failed.body.items.map((x: { id: string }) => x.id)).toEqual([b1]);
    const alpha = await app.request('GET', `/api/executions?taskId=${tasks.Alpha}`, { key: alice.apiKey });
    expect(alpha.body.items.map((x: { id: string }) => x.id)).toEqual([a2, a1]);
    // Bob's task id names nothing of Alice's.
    const foreign = await app.request('GET', `/api/executions?taskId=${tasks.Bobs}`, { key: alice.apiKey });
    expect(foreign.body.items).toEqual([]);

    const latest = await app.request('GET', '/api/executions?latest=true', { key: alice.apiKey });
    expect(latest.body.items.map((x: { id: string }) => x.id).sort()).toEqual([a2, b1].sort());
    expect(latest.body.nextCursor).toBeNull();
  });

  it('refuses a bad query with a problem naming the field', async () => {
    for (const [query, field] of [
      ['status=exploded', 'status'],
      ['taskId=abc', 'taskId'],
      ['cursor=-1', 'cursor'],
      ['limit=0', 'limit'],
      ['latest=maybe', 'latest'],
    ]) {
      const r = await app.request('GET', `/api/executions?${query}`, { key: alice.apiKey });
      expect(r.status, query).toBeGreaterThanOrEqual(400);
      expect(r.status, query).toBeLessThan(500);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(JSON.stringify(r.body.errors ?? r.body), query).toContain(field);
    }
  });
});
