// One LLM reading per task: the preview keeps what it read under a parseId, and the create that
// confirms it saves exactly that, without asking the model again. The preview applies the rules a
// create applies, so what it shows is what create accepts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { READING_TTL_SECONDS } from '../../src/store/schedule-readings.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type FakeOpenAI, reply, startFakeOpenAI } from '../support/fake-openai.ts';

let tdb: TestDatabase;
let db: Database;
let fake: FakeOpenAI;
let app: TestApp;
let key: string;
let now = new Date('2026-12-07T10:00:00Z');
// The API's clock, moved by hand: expiry is judged by it.
const clock: Clock = { now: () => new Date(now), sleep: systemClock.sleep, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  fake = await startFakeOpenAI();
  const parser = createParser({ llm: createLlm(loadConfig({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', OPENAI_TIMEOUT_MS: '2000' }).openai), logger: createLogger('silent', false) });
  app = await startTestApp(db, { parser, clock, env: { MAX_TASKS_PER_USER: '3' } });
  key = (await app.user()).apiKey;
});
beforeEach(() => {
  fake.reset();
  now = new Date('2026-12-07T10:00:00Z');
});
afterAll(async () => {
  await app?.close();
  await fake?.close();
  await tdb?.drop();
});

const DAWN = 'at the crack of dawn on workdays remind me to stretch';
const dawnReading = (cron: string) => reply.toolCall('set_schedule', { schedule: { kind: 'cron', cron }, timezone: null, task: { name: 'Stretch', prompt: 'Stretch' } });
const parse = (body: unknown, k = key) => app.request('POST', '/api/schedules/parse', { key: k, body });
const create = (body: unknown, k = key) => app.request('POST', '/api/tasks', { key: k, body });

describe('parseId', () => {
  it('saves the LLM reading the preview showed, and the model is asked once', async () => {
    // Were the model asked again it would answer differently (the second scripted reply).
    fake.script(dawnReading('30 5 * * 1-5'), dawnReading('0 6 * * *'));
    const preview = await parse({ text: DAWN, timezone: 'Europe/Paris' });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ source: 'llm', wouldCreate: true, parseId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(new Date(preview.body.expiresAt).getTime()).toBe(now.getTime() + READING_TTL_SECONDS * 1000);

    const res = await create({ parseId: preview.body.parseId, text: DAWN });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Stretch', prompt: 'Stretch', timezone: 'Europe/Paris', schedule: { cron: '30 5 * * 1-5' } });
    expect(res.body.schedule.description).toBe(preview.body.schedule.description);
    expect(res.body.nextRunAt).toBe(preview.body.nextRuns[0]);
    expect(fake.requests).toHaveLength(1);
    await app.request('DELETE', `/api/tasks/${res.body.id}`, { key });
  });

  it('keeps a relative reading as shown: "in 10 minutes" means ten minutes after the preview', async () => {
    const preview = await parse({ text: 'in 10 minutes, check the oven', timezone: 'UTC' });
    expect(preview.status).toBe(200);
    now = new Date(now.getTime() + 3 * 60_000);
    const res = await create({ parseId: preview.body.parseId });
    expect(res.status).toBe(201);
    expect(res.body.nextRunAt).toBe('2026-12-07T10:10:00.000Z');
    await app.request('DELETE', `/api/tasks/${res.body.id}`, { key });
  });

  it('answers 410 once the reading has expired, and 422 for an unknown, foreign or malformed one', async () => {
    const preview = await parse({ text: 'every day at 9am', timezone: 'UTC' });
    const other = (await app.user('someone else')).apiKey;
    const foreign = await create({ parseId: preview.body.parseId }, other);
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0].path).toBe('parseId');
    const unknown = await create({ parseId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(422);
    const malformed = await create({ parseId: 'nope' });
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors[0].path).toBe('parseId');

    now = new Date(now.getTime() + READING_TTL_SECONDS * 1000);
    const expired = await create({ parseId: preview.body.parseId });
    expect(expired.status).toBe(410);
    expect(expired.headers.get('content-type')).toMatch(/problem\+json/);
    expect(expired.body.errors[0].path).toBe('parseId');
    // Nothing was created by any of them.
    expect((await app.request('GET', '/api/tasks', { key })).body.items).toHaveLength(0);
  });

  it('refuses a text that is not the one the reading came from', async () => {
    const preview = await parse({ text: 'every day at 9am', timezone: 'UTC' });
    const res = await create({ parseId: preview.body.parseId, text: 'every day at 10am' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('text');
  });

  it('refuses a one-off whose time passed between the preview and the create', async () => {
    const preview = await parse({ text: 'in 10 minutes', timezone: 'UTC' });
    now = new Date(now.getTime() + 11 * 60_000);
    const res = await create({ parseId: preview.body.parseId });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('parseId');
  });
});

describe('the preview applies the rules a create applies', () => {
  it('refuses a schedule below the minimum interval, as create does', async () => {
    fake.script(reply.toolCall('set_schedule', { schedule: { kind: 'interval', everySeconds: 10 }, timezone: null, task: null }));
    const preview = await parse({ text: 'constantly, like all the time', timezone: 'UTC' });
    // Read, and said to be refused: the reading stays visible with the reason.
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ schedule: { kind: 'interval', everySeconds: 10 }, wouldCreate: false, refusal: { limit: 'MIN_INTERVAL_SECONDS' } });
    const created = await create({ schedule: { every: 10 }, prompt: 'x' });
    expect(created.status).toBe(422);
    expect(created.body.detail).toBe(preview.body.refusal.detail);
    expect((await create({ parseId: preview.body.parseId })).status).toBe(422);
  });

  it('refuses once the task quota is used up, as create does', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ schedule: { cron: '0 9 * * *' }, prompt: `t${i}` })).body.id);
    const preview = await parse({ text: 'every day at 9am', timezone: 'UTC' });
    expect(preview.body).toMatchObject({ wouldCreate: false, refusal: { limit: 'MAX_TASKS_PER_USER' } });
    expect(preview.body.refusal.detail).toMatch(/MAX_TASKS_PER_USER/);
    for (const id of ids) await app.request('DELETE', `/api/tasks/${id}`, { key });
    expect((await parse({ text: 'every day at 9am', timezone: 'UTC' })).body).toMatchObject({ wouldCreate: true });
  });
});
