// Bounds through the API: the preview shows where a bounded phrase stops (lastRun, and the
// description says it), and a create from the text or from the preview's parseId stores the
// startAt/endAt the preview showed, past which the task has no run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { nextFire, type ScheduleSpec } from '../../src/scheduler/schedule.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let key: string;
// Monday 7 December 2026, 10:00 in Paris.
const NOW = new Date('2026-12-07T09:00:00Z');
const clock: Clock = { now: () => new Date(NOW), sleep: systemClock.sleep, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  // No LLM configured: every answer here is the rules'.
  const parser = createParser({ llm: createLlm(loadConfig({}).openai), logger: createLogger('silent', false) });
  app = await startTestApp(db, { parser, clock });
  key = (await app.user()).apiKey;
});
afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const parse = (text: string) => app.request('POST', '/api/schedules/parse', { key, body: { text, timezone: 'Europe/Paris' } });
const create = (body: unknown) => app.request('POST', '/api/tasks', { key, body });

describe('bounded phrases through the API', () => {
  it('previews a count with its last run, and a create from the parseId stores the end', async () => {
    const preview = await parse('water the plants every thursday at 9am, 3 times');
    expect(preview.status).toBe(200);
    expect(preview.body.schedule).toMatchObject({ cron: '0 9 * * 4' });
    expect(preview.body.bounds).toEqual({ endAt: '2026-12-24T08:00:01Z', count: 3 });
    expect(preview.body.lastRun).toBe('2026-12-24T08:00:00.000Z');
    expect(preview.body.nextRuns).toEqual(['2026-12-10T08:00:00.000Z', '2026-12-17T08:00:00.000Z', '2026-12-24T08:00:00.000Z']);
    expect(preview.body.schedule.description).toMatch(/ · 3 times, last on Thu 24 Dec 09:00$/);

    const res = await create({ parseId: preview.body.parseId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ prompt: 'Water the plants', startAt: null, nextRunAt: '2026-12-10T08:00:00.000Z' });
    expect(new Date(res.body.endAt).toISOString()).toBe('2026-12-24T08:00:01.000Z');
    // After its third run the task has none left: the claimer's nextFire finds nothing within endAt.
    const spec: ScheduleSpec = { kind: 'cron', cron: res.body.schedule.cron, timezone: res.body.timezone };
    expect(nextFire(spec, new Date('2026-12-17T08:00:00Z'), { startAt: null, endAt: new Date(res.body.endAt) })?.toISOString()).toBe('2026-12-24T08:00:00.000Z');
    expect(nextFire(spec, new Date('2026-12-24T08:00:00Z'), { startAt: null, endAt: new Date(res.body.endAt) })).toBeNull();
  });

  it('"until June" ends as June begins, and the description says the last day', async () => {
    const preview = await parse('every monday at 8am until june');
    expect(preview.status).toBe(200);
    // 1 June 2027 00:00 in Paris (summer time, UTC+2).
    expect(preview.body.bounds).toEqual({ endAt: '2027-05-31T22:00:00Z' });
    expect(preview.body.lastRun).toBe('2027-05-31T06:00:00.000Z');
    expect(preview.body.schedule.description).toMatch(/ · until 31 May 2027, last on Mon 31 May 2027 08:00$/);
  });

  it('creates from text with the start and end the words give', async () => {
    const res = await create({ text: 'stretch every day at 7am from january 4 for 2 weeks', timezone: 'Europe/Paris' });
    expect(res.status).toBe(201);
    expect(new Date(res.body.startAt).toISOString()).toBe('2027-01-03T23:00:00.000Z');
    expect(new Date(res.body.endAt).toISOString()).toBe('2027-01-17T23:00:00.000Z');
    expect(res.body.nextRunAt).toBe('2027-01-04T06:00:00.000Z');
  });

  it('lets the body bounds win over the words', async () => {
    const res = await create({ text: 'stretch every day at 7am until june', timezone: 'Europe/Paris', endAt: '2027-02-01T00:00:00Z' });
    expect(res.status).toBe(201);
    expect(new Date(res.body.endAt).toISOString()).toBe('2027-02-01T00:00:00.000Z');
  });

  it.each([
    ['tomorrow at 9 until friday', /one-off/],
    ['every day at 9 until blorp', /end date/],
    ['every day at 9 until march 1 starting april 1', /before the start/],
  ])('declines "%s" with a reason', async (text, reason) => {
    const res = await parse(text);
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(reason);
  });
});
