// Ranges at the edge: every instant outside 1970–9999 and every id past PostgreSQL's bigint, in a body,
// a path, a query or a cursor, is a 422 naming the field (or a 404 for a path id that cannot exist),
// never a 500 from a failed cast or an unprintable date. One list of cases per route family.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { builtinSystemJobs } from '../../src/scheduler/system-jobs.ts';
import { syncSystemJobs } from '../../src/scheduler/system-jobs-sync.ts';
import { startTestApp, type TestApp, type TestResponse } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
/** Instants outside [1970-01-01, 9999-12-31T23:59:59.999Z], with an offset (what `instant` fields take). */
const OUT_OF_RANGE_INSTANTS = [
  '+010000-01-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-14:00', // year 10000 in UTC
  '+275760-09-13T00:00:00.001Z', // past what a JS Date holds
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '1970-01-01T00:00:00+00:01', // 1969 in UTC
  '-000001-01-01T00:00:00Z',
];
/** The same for `schedule.at`, which also takes a local date-time (read in the task's zone). */
const OUT_OF_RANGE_AT = [...OUT_OF_RANGE_INSTANTS, '0001-01-01', '0001-01-01T00:00:00', '+010000-01-01T00:00:00', '1969-12-31T23:59:59'];
/** Epoch numbers: no instant field accepts one. */
const EPOCH_NUMBERS = [253402300800000, -1, 0, 1e20];
const BIGINT_PLUS_ONE = '9223372036854775808';
/** Ids no bigint column can hold, or that are not ids as the API writes them (leading zeros). */
const BAD_IDS = [BIGINT_PLUS_ONE, '9999999999999999999', '18446744073709551616', '99999999999999999999', '00000000000000000000001', '00001', '-1', '1e3', '1.5'];

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let key: string;
let taskId: string;
let systemId: string;

const problem = (r: TestResponse, what: string) => {
  expect(r.status, `${what} → ${r.status} ${r.text.slice(0, 200)}`).toBeLessThan(500);
  expect(r.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
};
/** A 422 whose field errors name `path`. */
const expect422 = (r: TestResponse, path: string, what: string) => {
  problem(r, what);
  expect(r.status, `${what}: ${r.text.slice(0, 300)}`).toBe(422);
  expect((r.body.errors ?? []).map((e: { path: string }) => e.path), `${what}: ${r.text.slice(0, 300)}`).toContain(path);
};
const expect404 = (r: TestResponse, what: string) => {
  problem(r, what);
  expect(r.status, `${what}: ${r.text.slice(0, 300)}`).toBe(404);
};
const taskCount = async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from tasks')).rows[0]?.n;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  // The real rules parser: relative phrases near the end of the range must not escape it.
  const config = loadConfig({ DATABASE_URL: db.url });
  app = await startTestApp(db, { parser: createParser({ llm: createLlm(config.openai), logger: createLogger('silent', false) }) });
  key = (await app.user('ranges')).apiKey;
  const t = await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { cron: '0 9 * * *' } } });
  expect(t.status).toBe(201);
  taskId = t.body.id;
  await syncSystemJobs(db.pool, builtinSystemJobs(app.config), new Date());
  const { rows } = await db.pool.query<{ id: string }>(`select id::text as id from tasks where kind = 'system' limit 1`);
  systemId = rows[0]?.id as string;
});
afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

describe('instants outside 1970–9999', () => {
  it('POST /api/tasks: startAt, endAt and schedule.at out of range (or epoch numbers) are 422s naming the field, storing nothing', async () => {
    const before = await taskCount();
    for (const v of OUT_OF_RANGE_INSTANTS) {
      for (const field of ['startAt', 'endAt'] as const) {
        expect422(await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { every: '1d' }, [field]: v } }), field, `${field}=${v}`);
      }
    }
    for (const v of OUT_OF_RANGE_AT) {
      expect422(await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { at: v } } }), 'schedule.at', `schedule.at=${v}`);
    }
    // The range is in UTC: a local 10000-01-01T00:00 in UTC-10 is past it (in UTC+14 it would not be).
    expect422(await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { at: '+010000-01-01T00:00:00' }, timezone: 'Pacific/Honolulu' } }), 'schedule.at', 'local year 10000 in Honolulu');
    expect422(await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { at: '9999-12-31T20:00:00' }, timezone: 'Pacific/Honolulu' } }), 'schedule.at', 'local 9999-12-31T20:00 in Honolulu');
    const kiritimati = await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { at: '+010000-01-01T00:00:00' }, timezone: 'Pacific/Kiritimati' } });
    expect(kiritimati.status, kiritimati.text).toBe(201);
    expect(kiritimati.body.nextRunAt).toBe('9999-12-31T10:00:00.000Z');
    await app.request('DELETE', `/api/tasks/${kiritimati.body.id}`, { key });
    for (const n of EPOCH_NUMBERS) {
      expect422(await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { every: '1d' }, startAt: n } }), 'startAt', `startAt=${n}`);
      expect422(await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { at: n } } }), 'schedule.at', `schedule.at=${n}`);
    }
    expect(await taskCount()).toBe(before);
  });

  it('PATCH /api/tasks/:id: the same instants are 422s and the task is unchanged', async () => {
    const before = await app.request('GET', `/api/tasks/${taskId}`, { key });
    for (const v of OUT_OF_RANGE_INSTANTS) {
      for (const field of ['startAt', 'endAt'] as const) expect422(await app.request('PATCH', `/api/tasks/${taskId}`, { key, body: { [field]: v } }), field, `PATCH ${field}=${v}`);
    }
    for (const v of OUT_OF_RANGE_AT) expect422(await app.request('PATCH', `/api/tasks/${taskId}`, { key, body: { schedule: { at: v } } }), 'schedule.at', `PATCH schedule.at=${v}`);
    const after = await app.request('GET', `/api/tasks/${taskId}`, { key });
    expect(after.body).toEqual(before.body);
  });

  it('a schedule whose first fire would fall past 9999 is a 422 on schedule; the last instants of 9999 are accepted', async () => {
    // An interval anchored now, starting at the last millisecond of 9999: its next fire is in year 10000.
    for (const every of ['1d', '366d', 60]) {
      const r = await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { every }, startAt: '9999-12-31T23:59:59.999Z' } });
      expect422(r, 'schedule', `every ${every} from the end of 9999`);
      expect(r.body.detail).toMatch(/never fires between startAt and endAt before the end of year 9999/);
    }
    // Moving a task's start there is refused the same way, and leaves it as it was.
    expect422(await app.request('PATCH', `/api/tasks/${taskId}`, { key, body: { schedule: { every: '1d' }, startAt: '9999-12-31T23:59:59.999Z' } }), 'schedule', 'PATCH to the end of 9999');
    // The boundaries themselves are in range.
    const at = await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { at: '9999-12-31T23:59:59.999Z' } } });
    expect(at.status, at.text).toBe(201);
    expect(at.body.nextRunAt).toBe('9999-12-31T23:59:59.999Z');
    const ended = await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', schedule: { every: '1d' }, startAt: '1970-01-01T00:00:00Z', endAt: '9999-12-31T23:59:59Z' } });
    expect(ended.status, ended.text).toBe(201);
    expect(ended.body).toMatchObject({ startAt: '1970-01-01T00:00:00.000Z', endAt: '9999-12-31T23:59:59.000Z' });
  });

  it('POST /api/schedules/parse: `now` out of range is a 422 on now; a phrase that lands past 9999 is a 422, not a 500', async () => {
    for (const v of OUT_OF_RANGE_INSTANTS) {
      expect422(await app.request('POST', '/api/schedules/parse', { key, body: { text: 'tomorrow at 9am', now: v } }), 'now', `now=${v}`);
    }
    for (const n of EPOCH_NUMBERS) expect422(await app.request('POST', '/api/schedules/parse', { key, body: { text: 'tomorrow at 9am', now: n } }), 'now', `now=${n}`);
    const lateOnce = await app.request('POST', '/api/schedules/parse', { key, body: { text: 'tomorrow at 9am', now: '9999-12-31T20:00:00Z' } });
    problem(lateOnce, 'tomorrow from the last day of 9999');
    expect(lateOnce.status).toBe(422);
    // A recurring schedule read at the end of the range lists only the fires within it, or is refused.
    const late = await app.request('POST', '/api/schedules/parse', { key, body: { text: 'every 18 hours', now: '9999-12-30T12:00:00Z' } });
    expect(late.status, late.text).toBe(200);
    expect(late.body.nextRuns).toEqual(['9999-12-31T06:00:00.000Z']);
    const none = await app.request('POST', '/api/schedules/parse', { key, body: { text: 'every 36 hours', now: '9999-12-30T12:00:00Z' } });
    problem(none, 'every 36 hours from 9999-12-30');
    expect(none.status).toBe(422);
    expect(none.body.reason).toBe('never fires before the end of year 9999');
  });
});

describe('ids past the bigint range', () => {
  it('task, execution and notification paths answer 404', async () => {
    for (const id of BAD_IDS) {
      for (const [method, path] of [
        ['GET', `/api/tasks/${id}`],
        ['PATCH', `/api/tasks/${id}`],
        ['DELETE', `/api/tasks/${id}`],
        ['POST', `/api/tasks/${id}/run`],
        ['POST', `/api/tasks/${id}/pause`],
        ['POST', `/api/tasks/${id}/resume`],
        ['GET', `/api/tasks/${id}/executions`],
        ['GET', `/api/executions/${id}`],
        ['POST', `/api/executions/${id}/cancel`],
        ['POST', `/api/notifications/${id}/read`],
      ] as const) {
        expect404(await app.request(method, path, { key, ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }) }), `${method} ${path}`);
      }
    }
  });

  it('a real task id with leading zeros is not that task: 404, and run-now queues nothing (it once queued two runs and answered 404)', async () => {
    const executions = async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from executions where task_id = $1', [taskId])).rows[0]?.n;
    const before = await executions();
    const padded = `000${taskId}`;
    expect404(await app.request('POST', `/api/tasks/${padded}/run`, { key, body: {} }), `POST /api/tasks/${padded}/run`);
    expect404(await app.request('GET', `/api/tasks/${padded}`, { key }), `GET /api/tasks/${padded}`);
    expect404(await app.request('GET', `/api/jobs/tasks/${padded}/executions`, { key: ADMIN }), `GET /api/jobs/tasks/${padded}/executions`);
    expect(await executions()).toBe(before);
  });

  it('cursors of every list (tasks, executions, notifications, jobs of both services) answer 422 on cursor', async () => {
    for (const id of BAD_IDS) {
      const c = encodeURIComponent(id);
      for (const [path, who] of [
        [`/api/tasks?cursor=${c}`, key],
        [`/api/tasks/${taskId}/executions?cursor=${c}`, key],
        [`/api/notifications?cursor=${c}`, key],
        [`/api/jobs?cursor=tasks:${c}`, ADMIN],
        [`/api/jobs?cursor=system:${c}`, ADMIN],
        [`/api/jobs/tasks/${taskId}/executions?cursor=${c}`, ADMIN],
        [`/api/jobs/system/${systemId}/executions?cursor=${c}`, ADMIN],
      ] as const) {
        expect422(await app.request('GET', path, { key: who }), 'cursor', `GET ${path}`);
      }
    }
    // The largest bigint is a valid cursor: everything is before it.
    const all = await app.request('GET', '/api/tasks?cursor=9223372036854775807', { key });
    expect(all.status).toBe(200);
    expect(all.body.items.map((t: { id: string }) => t.id)).toContain(taskId);
  });

  it('admin job paths (/api/jobs/:service/:id…) answer 404', async () => {
    for (const id of BAD_IDS) {
      for (const service of ['tasks', 'system']) {
        expect404(await app.request('GET', `/api/jobs/${service}/${id}/executions`, { key: ADMIN }), `GET jobs/${service}/${id}/executions`);
        expect404(await app.request('POST', `/api/jobs/${service}/${id}/run`, { key: ADMIN, body: {} }), `POST jobs/${service}/${id}/run`);
      }
      expect404(await app.request('DELETE', `/api/jobs/system/${id}`, { key: ADMIN }), `DELETE jobs/system/${id}`);
    }
  });

  it('dependency ids in bodies (after) are 422s on after.N, on create and on edit', async () => {
    const before = await taskCount();
    for (const id of [...BAD_IDS, 2 ** 53, 1e20, -5, 1.5]) {
      expect422(await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', after: [taskId, id] } }), 'after.1', `POST after=[${taskId}, ${id}]`);
      expect422(await app.request('PATCH', `/api/tasks/${taskId}`, { key, body: { after: [id] } }), 'after.0', `PATCH after=[${id}]`);
    }
    expect(await taskCount()).toBe(before);
    // The largest bigint is an id, of a task that does not exist: refused, but as a missing task.
    const missing = await app.request('POST', '/api/tasks', { key, body: { prompt: 'p', after: ['9223372036854775807'] } });
    problem(missing, 'after the largest bigint');
    expect(missing.status).toBeGreaterThanOrEqual(400);
  });

  it('admin user routes refuse ids they do not take', async () => {
    const r = await app.request('POST', '/api/users', { key: ADMIN, body: { name: 'x', id: BIGINT_PLUS_ONE } });
    expect422(r, 'id', 'POST /api/users with an id');
  });
});
