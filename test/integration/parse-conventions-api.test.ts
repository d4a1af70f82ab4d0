// The conventions of everyday English as the API shows them: notes in the preview (a default
// time, a corrected name), the request's locale for numeric dates, a concrete question for
// "twice a day", and "remind me to …" giving the task the notify tool when it is created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { createParser } from '../../src/nl-parser/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

// Tuesday 24 November 2026, 10:00 in Paris.
const NOW = '2026-11-24T09:00:00.000Z';
const clock: Clock = { ...systemClock, now: () => new Date(NOW), sleep: async () => {} };

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let key: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  const parser = createParser({ llm: createLlm(loadConfig({}).openai), logger: createLogger('silent', false) });
  app = await startTestApp(db, { parser, clock });
  key = (await app.user()).apiKey;
});

afterAll(async () => {
  await app?.close();
  await tdb?.drop();
});

const parse = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  app.request('POST', '/api/schedules/parse', { key, body: { timezone: 'Europe/Paris', now: NOW, ...body }, ...(headers ? { headers } : {}) });

describe('POST /api/schedules/parse: conventions', () => {
  it('says in the preview which time it assumed and which name it corrected', async () => {
    const res = await parse({ text: 'every wednsday' });
    expect(res.status).toBe(200);
    expect(res.body.schedule).toMatchObject({ cron: '0 9 * * 3', description: 'At 09:00, only on Wednesday (read "wednsday" as Wednesday; no time given: 09:00)' });
    expect(res.body.notes).toEqual(['read "wednsday" as Wednesday', 'no time given: 09:00']);
  });

  it('anchors a bare period on today and shows the default time of a one-off', async () => {
    const weekly = await parse({ text: 'every week' });
    expect(weekly.body.schedule.cron).toBe('0 9 * * 2');
    expect(weekly.body.schedule.description).toContain("every week on Tuesday (today's weekday)");
    const once = await parse({ text: 'friday' });
    expect(once.body.schedule).toMatchObject({ kind: 'once', at: '2026-11-27T08:00:00.000Z' });
    expect(once.body.schedule.description).toContain('(no time given: 09:00)');
  });

  it('reads 03/04 by the locale of the body, else of Accept-Language, and declines without one', async () => {
    const us = await parse({ text: '03/04 at 9am', locale: 'en-US' });
    expect(us.body.schedule.at).toBe('2027-03-04T08:00:00.000Z');
    const gb = await parse({ text: '03/04 at 9am', locale: 'en-GB' });
    expect(gb.body.schedule.at).toBe('2027-04-03T07:00:00.000Z');
    const header = await parse({ text: '03/04 at 9am' }, { 'accept-language': 'en-GB,en;q=0.8' });
    expect(header.body.schedule.at).toBe('2027-04-03T07:00:00.000Z');
    const bodyWins = await parse({ text: '03/04 at 9am', locale: 'en-US' }, { 'accept-language': 'en-GB' });
    expect(bodyWins.body.schedule.at).toBe('2027-03-04T08:00:00.000Z');
    const none = await parse({ text: '03/04 at 9am' });
    expect(none.status).toBe(422);
    expect(none.body.reason).toMatch(/month\/day or day\/month/);
  });

  it('refuses a locale that is not one, naming the field', async () => {
    const res = await parse({ text: 'tomorrow at 9', locale: 'not a locale!' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'locale', message: expect.stringContaining('BCP 47') }]);
  });

  it('answers "twice a day" with a concrete reading to confirm', async () => {
    const res = await parse({ text: 'twice a day' });
    expect(res.status).toBe(422);
    expect(res.body.reason).toMatch(/at 09:00 and 21:00\?/);
  });

  it('drops "remind me to" from the prompt and keeps a duration inside the instruction', async () => {
    const res = await parse({ text: 'remind me to meditate for 3 minutes every day at noon' });
    expect(res.status).toBe(200);
    expect(res.body.schedule.cron).toBe('0 12 * * *');
    expect(res.body.task).toEqual({ name: 'Meditate for 3 minutes', prompt: 'Meditate for 3 minutes', tools: ['notify'] });
  });
});

describe('POST /api/tasks from text: conventions', () => {
  it('gives a "remind me" task the notify tool besides the tools asked for', async () => {
    const res = await app.request('POST', '/api/tasks', { key, body: { text: 'remind me to meditate for 3 minutes every day at noon', timezone: 'Europe/Paris', tools: ['http_fetch'] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ prompt: 'Meditate for 3 minutes', schedule: { cron: '0 12 * * *' } });
    expect([...res.body.tools].sort()).toEqual(['http_fetch', 'notify']);
  });

  it('reads a numeric date in the Accept-Language locale', async () => {
    const res = await app.request('POST', '/api/tasks', { key, body: { text: 'on 03/04 at 9am renew the passport', timezone: 'Europe/Paris' }, headers: { 'accept-language': 'en-GB' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ prompt: 'Renew the passport', schedule: { kind: 'once', at: '2027-04-03T07:00:00.000Z' }, tools: [] });
  });
});
