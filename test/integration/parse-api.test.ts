import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type FakeOpenAI, reply, startFakeOpenAI } from '../support/fake-openai.ts';

let tdb: TestDatabase;
let db: Database;
let fake: FakeOpenAI;
let withLlm: TestApp;
let withoutLlm: TestApp;
let key: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  fake = await startFakeOpenAI();
  const logger = createLogger('silent', false);
  const llmParser = createParser({ llm: createLlm(loadConfig({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', OPENAI_TIMEOUT_MS: '2000' }).openai), logger });
  const rulesOnly = createParser({ llm: createLlm(loadConfig({}).openai), logger });
  withLlm = await startTestApp(db, { parser: llmParser });
  withoutLlm = await startTestApp(db, { parser: rulesOnly });
  key = (await withLlm.user()).apiKey;
});

beforeEach(() => fake.reset());

afterAll(async () => {
  await withLlm?.close();
  await withoutLlm?.close();
  await fake?.close();
  await tdb?.drop();
});

const parse = (app: TestApp, body: unknown) => app.request('POST', '/api/schedules/parse', { key, body });

describe('POST /api/schedules/parse', () => {
  it('reads a common phrase with the rules: schedule, description, next five runs, instruction', async () => {
    const res = await parse(withoutLlm, { text: 'every weekday at 9am, summarize the top Hacker News stories', timezone: 'Europe/Paris', now: '2026-11-25T12:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      schedule: { kind: 'cron', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', description: 'At 09:00, Monday through Friday' },
      nextRuns: ['2026-11-26T08:00:00.000Z', '2026-11-27T08:00:00.000Z', '2026-11-30T08:00:00.000Z', '2026-12-01T08:00:00.000Z', '2026-12-02T08:00:00.000Z'],
      source: 'rules',
      task: { name: expect.any(String), prompt: 'Summarize the top Hacker News stories' },
      parseId: expect.any(String),
      expiresAt: expect.any(String),
      wouldCreate: true,
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('reads relative one-offs from the given now, in the user zone', async () => {
    const res = await parse(withoutLlm, { text: 'tomorrow at 3pm', timezone: 'America/New_York', now: '2026-11-25T12:00:00Z' });
    expect(res.body.schedule).toMatchObject({ kind: 'once', at: '2026-11-26T20:00:00.000Z' });
    expect(res.body.nextRuns).toEqual(['2026-11-26T20:00:00.000Z']);
  });

  it('declines with a reason the UI can show, without an LLM', async () => {
    const res = await parse(withoutLlm, { text: 'every couple of days', timezone: 'UTC' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.reason).toMatch(/try 'every weekday at 9am'/);
    // …and says a language model would have been asked, were one configured.
    expect(res.body.reason).toMatch(/no language model is configured/);
  });

  it('gives a sure decline from the rules without asking the LLM', async () => {
    const res = await parse(withLlm, { text: 'on february 30th at 9am', timezone: 'UTC' });
    expect(res.status).toBe(422);
    expect(fake.requests).toHaveLength(0);
  });

  it('asks the LLM for what the rules cannot read, and validates its answer', async () => {
    fake.script(reply.toolCall('set_schedule', { schedule: { kind: 'cron', cron: '30 5 * * 1-5' }, timezone: null, task: { name: 'Stretch', prompt: 'Remind me to stretch' } }));
    const res = await parse(withLlm, { text: 'at the crack of dawn on workdays remind me to stretch', timezone: 'Europe/Paris' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'llm', schedule: { cron: '30 5 * * 1-5', timezone: 'Europe/Paris' }, task: { name: 'Stretch' } });
    expect(fake.requests).toHaveLength(1);
  });

  it('answers 503 with the reason when the LLM is rate-limited, and 422 when its answer stays invalid', async () => {
    fake.script(reply.rateLimited(1));
    const limited = await parse(withLlm, { text: 'at the crack of dawn', timezone: 'UTC' });
    expect(limited.status).toBe(503);
    expect(limited.body.detail).toMatch(/rate/i);
    fake.script(
      reply.toolCall('set_schedule', { schedule: { kind: 'cron', cron: '99 * * * *' }, timezone: null, task: null }),
      reply.toolCall('set_schedule', { schedule: { kind: 'cron', cron: 'still wrong' }, timezone: null, task: null }),
    );
    const invalid = await parse(withLlm, { text: 'at the crack of dawn', timezone: 'UTC' });
    expect(invalid.status).toBe(422);
    expect(fake.requests).toHaveLength(3);
  });

  it('rejects bad input with field errors', async () => {
    expect((await parse(withoutLlm, { text: '' })).status).toBe(422);
    const zone = await parse(withoutLlm, { text: 'daily at 9', timezone: 'Nowhere/Land' });
    expect(zone.status).toBe(422);
    expect(zone.body.errors[0].path).toBe('timezone');
  });
});

describe('creating tasks from plain English', () => {
  it('takes the schedule and the instruction from one chat message', async () => {
    const res = await withoutLlm.request('POST', '/api/tasks', { key, body: { text: 'every weekday at 9am, summarize the top Hacker News stories', timezone: 'Europe/Paris' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ prompt: 'Summarize the top Hacker News stories', schedule: { cron: '0 9 * * 1-5', description: 'At 09:00, Monday through Friday' }, timezone: 'Europe/Paris' });
    expect(res.body.name.length).toBeGreaterThan(0);
  });

  it('lets explicit fields win over the message', async () => {
    const res = await withoutLlm.request('POST', '/api/tasks', { key, body: { text: 'every monday at 8am, water the plants', name: 'Plants', schedule: { cron: '0 7 * * 1' } } });
    expect(res.body).toMatchObject({ name: 'Plants', prompt: 'Water the plants', schedule: { cron: '0 7 * * 1' } });
  });

  it('accepts schedule.text, and a zone named in the text becomes the task zone', async () => {
    const res = await withoutLlm.request('POST', '/api/tasks', { key, body: { name: 'x', schedule: { text: 'every day at 9am Tokyo time' }, timezone: 'Europe/Paris' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ timezone: 'Asia/Tokyo', schedule: { cron: '0 9 * * *', timezone: 'Asia/Tokyo' } });
  });

  it('refuses text it cannot read with a 422 that carries the reason, and creates nothing', async () => {
    const before = (await withoutLlm.request('GET', '/api/tasks?limit=200', { key })).body.items.length;
    const res = await withoutLlm.request('POST', '/api/tasks', { key, body: { text: 'whenever you feel like it' } });
    expect(res.status).toBe(422);
    expect(res.body.reason).toBeTruthy();
    expect((await withoutLlm.request('GET', '/api/tasks?limit=200', { key })).body.items.length).toBe(before);
  });
});
