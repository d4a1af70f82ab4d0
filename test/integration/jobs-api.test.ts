import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/api/auth.ts';
import type { Database } from '../../src/models/db.ts';
import { builtinSystemJobs } from '../../src/scheduler/system-jobs.ts';
import { syncSystemJobs } from '../../src/scheduler/system-jobs-sync.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let admin: string;
let alice: { id: string; apiKey: string };
let bob: { id: string; apiKey: string };
let adminUserKey: string;
const systemIds = new Map<string, string>();

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startTestApp(db);
  admin = app.config.adminToken as string;
  alice = await app.user('alice');
  bob = await app.user('bob');
  adminUserKey = (await createUser(db.pool, 'root', true)).apiKey;
  await syncSystemJobs(db.pool, builtinSystemJobs(app.config), new Date());
  const { rows } = await db.pool.query<{ id: string; name: string }>(`select id::text as id, system_name as name from tasks where kind = 'system'`);
  for (const r of rows) systemIds.set(r.name, r.id);
  for (const [key, name] of [
    [alice.apiKey, 'alice 1'],
    [alice.apiKey, 'alice 2'],
    [bob.apiKey, 'bob 1'],
  ] as const) {
    const res = await app.request('POST', '/api/tasks', { key, body: { name, schedule: { cron: '0 9 * * *' } } });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}

describe('GET /api/jobs', () => {
  it('lists the system jobs, then every user task, with service, schedule, next run and status', async () => {
    const res = await app.request('GET', '/api/jobs', { key: admin });
    expect(res.status).toBe(200);
    const services = res.body.items.map((j: any) => j.service);
    expect(services).toEqual([...Array(systemIds.size).fill('system'), 'tasks', 'tasks', 'tasks']);
    const prune = res.body.items.find((j: any) => j.name === 'prune-executions');
    expect(prune).toMatchObject({
      service: 'system',
      id: systemIds.get('prune-executions'),
      description: expect.stringMatching(/older than 30 days/),
      schedule: { kind: 'cron', cron: '17 3 * * *', timezone: 'UTC', description: expect.any(String) },
      timezone: 'UTC',
      enabled: true,
      status: 'active',
      nextRunAt: expect.any(String),
      lastRunAt: null,
      lastStatus: null,
      userId: null,
    });
    expect(res.body.items.filter((j: any) => j.service === 'tasks').map((j: any) => [j.name, j.userId])).toEqual([
      ['bob 1', bob.id],
      ['alice 2', alice.id],
      ['alice 1', alice.id],
    ]);
    expect(res.body.nextCursor).toBeNull();
  });

  it('pages across both services with the cursor, and filters by service', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await app.request('GET', `/api/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: admin });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((j: any) => `${j.service}:${j.id}`));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(systemIds.size + 3);
    expect(new Set(seen).size).toBe(seen.length);
    const tasks = await app.request('GET', '/api/jobs?service=tasks', { key: admin });
    expect(tasks.body.items.map((j: any) => j.name)).toEqual(['bob 1', 'alice 2', 'alice 1']);
    const system = await app.request('GET', '/api/jobs?service=system', { key: admin });
    expect(system.body.items).toHaveLength(systemIds.size);
    expectProblem(await app.request('GET', '/api/jobs?cursor=nope', { key: admin }), 422);
  });

  it('is for admins: the admin token or an admin user, not other users', async () => {
    expect((await app.request('GET', '/api/jobs', { key: adminUserKey })).status).toBe(200);
    expectProblem(await app.request('GET', '/api/jobs', { key: alice.apiKey }), 403);
    expectProblem(await app.request('GET', '/api/jobs'), 401);
  });

  it('shows an orphaned system job as orphaned', async () => {
    await syncSystemJobs(db.pool, [], new Date());
    try {
      const res = await app.request('GET', '/api/jobs?service=system', { key: admin });
      expect(res.body.items.every((j: any) => j.status === 'orphaned' && j.enabled === false && j.nextRunAt === null)).toBe(true);
    } finally {
      await syncSystemJobs(db.pool, builtinSystemJobs(app.config), new Date());
    }
  });
});

describe('POST /api/jobs/:service/:id/run', () => {
  it('queues a manual execution of a system job or of any user task', async () => {
    const id = systemIds.get('prune-notifications') as string;
    const res = await app.request('POST', `/api/jobs/system/${id}/run`, { key: admin });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ taskId: id, status: 'queued', trigger: 'manual' });
    const history = await app.request('GET', `/api/jobs/system/${id}/executions`, { key: admin });
    expect(history.body.items.map((x: any) => x.id)).toEqual([res.body.id]);
    const task = (await app.request('GET', '/api/jobs?service=tasks', { key: admin })).body.items[0];
    const ran = await app.request('POST', `/api/jobs/tasks/${task.id}/run`, { key: adminUserKey, body: { dryRun: true } });
    expect(ran.status).toBe(202);
    expect(ran.body).toMatchObject({ taskId: task.id, dryRun: true });
  });

  it("holds admins to a task's overlap policy and its monthly token budget", async () => {
    const made = await app.request('POST', '/api/tasks', { key: bob.apiKey, body: { name: 'bob budget', schedule: { cron: '0 9 * * *' }, monthlyTokenBudget: 50 } });
    const id = made.body.id as string;
    expect((await app.request('POST', `/api/jobs/tasks/${id}/run`, { key: admin })).status).toBe(202);
    // No engine here: the first run is still queued, and under "skip" a second would only be skipped.
    const twice = await app.request('POST', `/api/jobs/tasks/${id}/run`, { key: admin });
    expectProblem(twice, 409);
    expect(twice.body.type).toMatch(/run_in_progress$/);
    // This month's tokens, as the runner would have recorded them for that run.
    await db.pool.query(`update executions set status = 'succeeded', started_at = now(), finished_at = now(), prompt_tokens = 60 where task_id = $1`, [id]);
    const spent = await app.request('POST', `/api/jobs/tasks/${id}/run`, { key: adminUserKey });
    expectProblem(spent, 409);
    expect(spent.body).toMatchObject({ type: expect.stringMatching(/budget_exhausted$/), used: 60, budget: 50 });
  });

  it('refuses a dry run of a system job, an orphaned job, and a mismatched service', async () => {
    const id = systemIds.get('prune-executions') as string;
    expectProblem(await app.request('POST', `/api/jobs/system/${id}/run`, { key: admin, body: { dryRun: true } }), 422);
    expectProblem(await app.request('POST', `/api/jobs/tasks/${id}/run`, { key: admin }), 404);
    expectProblem(await app.request('POST', `/api/jobs/nope/${id}/run`, { key: admin }), 404);
    await db.pool.query(`update tasks set orphaned = true, enabled = false, next_run_at = null where id = $1`, [id]);
    try {
      expectProblem(await app.request('POST', `/api/jobs/system/${id}/run`, { key: admin }), 409);
    } finally {
      await syncSystemJobs(db.pool, builtinSystemJobs(app.config), new Date());
    }
  });
});

describe('DELETE /api/jobs/system/:id', () => {
  it('is refused with a 409 saying the job is declared in code', async () => {
    const id = systemIds.get('reset-monthly-budgets') as string;
    const res = await app.request('DELETE', `/api/jobs/system/${id}`, { key: admin });
    expectProblem(res, 409);
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/declared_in_code$/),
      detail: 'system job "reset-monthly-budgets" is declared in code; remove it from src/scheduler/system-jobs.ts (the next start-up marks it orphaned)',
      declaredIn: 'src/scheduler/system-jobs.ts',
    });
    expect((await app.request('GET', '/api/jobs?service=system', { key: admin })).body.items.map((j: any) => j.id)).toContain(id);
  });

  it('deletes an orphaned job (no longer declared anywhere)', async () => {
    await syncSystemJobs(db.pool, [...builtinSystemJobs(app.config), { name: 'old-job', cron: '0 0 * * *', timezone: 'UTC', description: 'x', run: async () => '' }], new Date());
    await syncSystemJobs(db.pool, builtinSystemJobs(app.config), new Date());
    const { rows } = await db.pool.query(`select id::text as id from tasks where system_name = 'old-job'`);
    expect((await app.request('DELETE', `/api/jobs/system/${rows[0].id}`, { key: admin })).status).toBe(204);
    expect((await db.pool.query(`select 1 from tasks where system_name = 'old-job'`)).rows).toEqual([]);
  });
});

describe('the user task routes and system jobs', () => {
  it('never show or touch a system job: it is not theirs (404)', async () => {
    const id = systemIds.get('prune-executions') as string;
    for (const key of [alice.apiKey, adminUserKey]) {
      expect((await app.request('GET', `/api/tasks/${id}`, { key })).status).toBe(404);
      expect((await app.request('PATCH', `/api/tasks/${id}`, { key, body: { name: 'mine now' } })).status).toBe(404);
      expect((await app.request('POST', `/api/tasks/${id}/pause`, { key })).status).toBe(404);
      expect((await app.request('POST', `/api/tasks/${id}/run`, { key })).status).toBe(404);
      expect((await app.request('GET', `/api/tasks/${id}/executions`, { key })).status).toBe(404);
      expect((await app.request('DELETE', `/api/tasks/${id}`, { key })).status).toBe(404);
      const list = await app.request('GET', '/api/tasks?limit=200', { key });
      expect(list.body.items.map((t: any) => t.id)).not.toContain(id);
    }
    // nor can a user's task run after one
    const res = await app.request('POST', '/api/tasks', { key: alice.apiKey, body: { name: 'x', after: [id] } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('after.0');
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await app.request('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/jobs', '/api/jobs/{service}/{id}/run', '/api/jobs/system/{id}', '/api/tasks/graph']));
  });
});
