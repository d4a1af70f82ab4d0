import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.ts';
import { systemClock } from '../../src/clock.ts';
import type { Database } from '../../src/models/db.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let key: string;
// The API's clock stands still on a Sunday evening in Paris.
const NOW = new Date('2026-12-06T21:31:17Z');
const clock: Clock = { ...systemClock, now: () => new Date(NOW) };

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  app = await startTestApp(db, { clock });
  ({ apiKey: key } = await app.user('rrule-api'));
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const fortnightly = { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0', dtstart: '2026-12-07T09:00' };

function expectProblem(res: { status: number; headers: Headers; body: any }, status: number, path: string, message: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.errors).toEqual([{ path, message: expect.stringContaining(message) }]);
  expect(res.body.detail).toContain(message);
}

describe('rrule schedules over HTTP', () => {
  it('creates a task from {rrule, dtstart}, stores the normalized rule and describes it', async () => {
    const res = await app.request('POST', '/api/tasks', { key, body: { name: 'standup notes', schedule: fortnightly, timezone: 'Europe/Paris' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.schedule).toEqual({
      kind: 'rrule',
      rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0',
      dtstart: '2026-12-07T09:00:00',
      timezone: 'Europe/Paris',
      description: 'Every 2 weeks on Monday at 09:00',
    });
    expect(res.body.nextRunAt).toBe('2026-12-07T08:00:00.000Z');
    const read = await app.request('GET', `/api/tasks/${res.body.id}`, { key });
    expect(read.body.schedule).toEqual(res.body.schedule);
  });

  it('takes DTSTART from now when none is given, to the minute', async () => {
    const res = await app.request('POST', '/api/tasks', { key, body: { name: 'x', schedule: { rrule: 'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0' }, timezone: 'Europe/Paris' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.schedule).toMatchObject({ dtstart: '2026-12-06T22:31:00', description: 'Every month on the last Friday at 17:00' });
    expect(res.body.nextRunAt).toBe('2026-12-25T16:00:00.000Z');
  });

  it.each([
    [{ rrule: 'FREQ=MONTHLY;BYDAY=9FR' }, 'schedule.rrule', 'BYDAY: bad ordinal 9FR'],
    [{ rrule: 'FREQ=WEEKLY;BYSPAM=1' }, 'schedule.rrule', 'BYSPAM: unknown part'],
    [{ rrule: 'FREQ=DAILY', dtstart: 'soon' }, 'schedule.dtstart', 'must be a local date-time'],
    [{ rrule: 'FREQ=DAILY;COUNT=2', dtstart: '2026-01-01T09:00' }, 'schedule.rrule', 'has no occurrence after now'],
  ])('refuses %j with a 422 naming the bad part', async (schedule, path, message) => {
    const res = await app.request('POST', '/api/tasks', { key, body: { name: 'bad', schedule } });
    expectProblem(res, 422, path, message);
  });

  it('refuses two schedule forms at once, and dtstart without rrule', async () => {
    const both = await app.request('POST', '/api/tasks', { key, body: { name: 'bad', schedule: { rrule: 'FREQ=DAILY', cron: '0 9 * * *' } } });
    expect(both.status).toBe(422);
    expect(both.body.detail).toMatch(/exactly one of cron, every, at, rrule or text/);
    const stray = await app.request('POST', '/api/tasks', { key, body: { name: 'bad', schedule: { at: '2027-01-01T09:00:00', dtstart: '2027-01-01T09:00:00' } } });
    expect(stray.status).toBe(422);
    expect(JSON.stringify(stray.body.errors)).toMatch(/schedule\.dtstart/);
  });

  it('edits a cron task into an rrule one by PATCH, recomputing the next run, and back', async () => {
    const created = await app.request('POST', '/api/tasks', { key, body: { name: 'edit me', schedule: { cron: '0 9 * * *' }, timezone: 'Europe/Paris' } });
    const id = created.body.id;
    expect(created.body.nextRunAt).toBe('2026-12-07T08:00:00.000Z');
    const patched = await app.request('PATCH', `/api/tasks/${id}`, { key, body: { schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=30' } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.schedule).toMatchObject({ kind: 'rrule', description: 'Every month on the last day at 23:30' });
    expect(patched.body.nextRunAt).toBe('2026-12-31T22:30:00.000Z');
    // A new zone keeps the rule's wall-clock time.
    const rezoned = await app.request('PATCH', `/api/tasks/${id}`, { key, body: { timezone: 'America/New_York' } });
    expect(rezoned.body.nextRunAt).toBe('2027-01-01T04:30:00.000Z'); // 23:30 EST on 31 December
    const back = await app.request('PATCH', `/api/tasks/${id}`, { key, body: { schedule: { cron: '0 9 * * *' } } });
    expect(back.body.schedule).toMatchObject({ kind: 'cron', cron: '0 9 * * *' });
    expect(back.body.nextRunAt).toBe('2026-12-07T14:00:00.000Z');
  });

  it('a bad PATCH changes nothing', async () => {
    const created = await app.request('POST', '/api/tasks', { key, body: { name: 'keep', schedule: fortnightly } });
    const res = await app.request('PATCH', `/api/tasks/${created.body.id}`, { key, body: { schedule: { rrule: 'FREQ=YEARLY;BYDAY=20MO' } } });
    expectProblem(res, 422, 'schedule.rrule', 'BYDAY: an ordinal with FREQ=YEARLY needs BYMONTH');
    const read = await app.request('GET', `/api/tasks/${created.body.id}`, { key });
    expect(read.body.schedule).toEqual(created.body.schedule);
    expect(read.body.nextRunAt).toBe(created.body.nextRunAt);
  });

  it('previews an explicit rrule through POST /api/schedules/parse: description and the next five runs', async () => {
    const res = await app.request('POST', '/api/schedules/parse', { key, body: { schedule: fortnightly, timezone: 'Europe/Paris' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      schedule: expect.objectContaining({ kind: 'rrule', description: 'Every 2 weeks on Monday at 09:00' }),
      nextRuns: ['2026-12-07T08:00:00.000Z', '2026-12-21T08:00:00.000Z', '2027-01-04T08:00:00.000Z', '2027-01-18T08:00:00.000Z', '2027-02-01T08:00:00.000Z'],
      source: 'input',
    });
    const bad = await app.request('POST', '/api/schedules/parse', { key, body: { schedule: { rrule: 'FREQ=MONTHLY;BYDAY=9FR' } } });
    expectProblem(bad, 422, 'schedule.rrule', 'BYDAY: bad ordinal 9FR');
    const neither = await app.request('POST', '/api/schedules/parse', { key, body: { timezone: 'UTC' } });
    expect(neither.status).toBe(422);
  });

  it('documents the form in OpenAPI', async () => {
    const res = await app.request('GET', '/openapi.json');
    const text = JSON.stringify(res.body);
    expect(text).toContain('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0');
    expect(text).toMatch(/"rrule"/);
    expect(text).toMatch(/"dtstart"/);
  });
});
