// Conversational edits through the API: a proposal (fields before → after, description, next runs)
// that changes nothing until it is confirmed, rules first and the LLM's edit_task for the rest.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.ts';
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
let rulesApp: TestApp;
let llmApp: TestApp;
let key: string;
// Monday 7 December 2026, 11:00 in Paris.
const NOW = new Date('2026-12-07T10:00:00Z');
const clock: Clock = { now: () => new Date(NOW), sleep: systemClock.sleep, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  fake = await startFakeOpenAI();
  const logger = createLogger('silent', false);
  rulesApp = await startTestApp(db, { clock, parser: createParser({ llm: createLlm(loadConfig({}).openai), logger }) });
  llmApp = await startTestApp(db, {
    clock,
    parser: createParser({ llm: createLlm(loadConfig({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test-key', OPENAI_TIMEOUT_MS: '2000' }).openai), logger }),
  });
  key = (await rulesApp.user()).apiKey;
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await rulesApp?.close();
  await llmApp?.close();
  await fake?.close();
  await tdb?.drop();
});

async function dailyTask(cron = '0 9 * * *'): Promise<string> {
  const res = await rulesApp.request('POST', '/api/tasks', { key, body: { name: 'Digest', prompt: 'Summarize', schedule: { cron }, timezone: 'Europe/Paris' } });
  expect(res.status).toBe(201);
  return res.body.id;
}
const edit = (id: string, body: unknown, app = rulesApp, k = key) => app.request('POST', `/api/tasks/${id}/edit`, { key: k, body });
const read = async (id: string) => (await rulesApp.request('GET', `/api/tasks/${id}`, { key })).body;

describe('POST /api/tasks/:id/edit', () => {
  it('proposes "move it to 10am" without changing anything, then applies it on confirm', async () => {
    const id = await dailyTask('0 9 * * 1-5');
    const before = await read(id);
    const proposal = await edit(id, { text: 'move it to 10am' });
    expect(proposal.status).toBe(200);
    expect(proposal.body).toMatchObject({
      applied: false,
      source: 'rules',
      changes: [{ field: 'schedule', before: { cron: '0 9 * * 1-5', description: 'At 09:00, Monday through Friday' }, after: { cron: '0 10 * * 1-5', description: 'At 10:00, Monday through Friday' } }],
      patch: { schedule: { cron: '0 10 * * 1-5' } },
      task: { schedule: { cron: '0 10 * * 1-5' } },
    });
    expect(proposal.body.nextRuns[0]).toBe('2026-12-08T09:00:00.000Z');
    // Not confirmed: the task is exactly as it was.
    expect(await read(id)).toEqual(before);

    const applied = await edit(id, { text: 'move it to 10am', confirm: true });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ applied: true, task: { schedule: { cron: '0 10 * * 1-5' } } });
    expect((await read(id)).schedule.cron).toBe('0 10 * * 1-5');
    // The same PATCH body does the same.
    const other = await dailyTask('0 9 * * 1-5');
    expect((await rulesApp.request('PATCH', `/api/tasks/${other}`, { key, body: proposal.body.patch })).body.schedule.cron).toBe('0 10 * * 1-5');
  });

  it('skips weekends', async () => {
    const id = await dailyTask();
    const res = await edit(id, { text: 'Skip weekends please', confirm: true });
    expect(res.body.task.schedule).toMatchObject({ cron: '0 9 * * 1-5' });
  });

  it('pauses until Monday: no run before next Monday 00:00 in the task zone', async () => {
    const id = await dailyTask();
    const res = await edit(id, { text: 'pause until Monday' });
    expect(res.body.changes).toEqual([{ field: 'startAt', before: null, after: '2026-12-13T23:00:00.000Z' }]);
    expect(res.body.nextRuns[0]).toBe('2026-12-14T08:00:00.000Z');
    await edit(id, { text: 'pause until Monday', confirm: true });
    expect((await read(id)).nextRunAt).toBe('2026-12-14T08:00:00.000Z');
  });

  it('stops after March: the last runs shown are on 31 March', async () => {
    const id = await dailyTask();
    const res = await edit(id, { text: 'stop after March', confirm: true });
    expect(res.body.task.endAt).toBe('2027-03-31T22:00:00.000Z');
    // DST starts on 28 March: 09:00 in Paris is 07:00 UTC on the 31st.
    const near = await rulesApp.request('PATCH', `/api/tasks/${id}`, { key, body: { startAt: '2027-03-30T00:00:00Z' } });
    expect(near.body.endAt).toBe('2027-03-31T22:00:00.000Z');
    const proposal = await edit(id, { text: 'stop after March' });
    expect(proposal.body.changes).toEqual([]);
    expect(proposal.body.nextRuns).toEqual(['2027-03-30T07:00:00.000Z', '2027-03-31T07:00:00.000Z']);
  });

  it('declines what the rules cannot read, with a reason, when no LLM is configured', async () => {
    const id = await dailyTask();
    const res = await edit(id, { text: 'make it every other week' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.errors[0].path).toBe('text');
    expect(res.body.reason).toBeTruthy();
  });

  it('asks edit_task for the rest, and a confirm applies the proposal without asking again', async () => {
    const id = await dailyTask('0 9 * * 1-5');
    fake.script(reply.toolCall('edit_task', { schedule: { kind: 'cron', cron: '0 20 * * 1-5' }, timezone: null, enabled: null, startAt: null, endAt: null, clear: [], name: null, prompt: null }));
    const proposal = await edit(id, { text: 'do it after dinner instead' }, llmApp);
    expect(proposal.status).toBe(200);
    expect(proposal.body).toMatchObject({ source: 'llm', applied: false, patch: { schedule: { cron: '0 20 * * 1-5' } } });
    expect(fake.requests).toHaveLength(1);
    // The model saw the task it changes.
    expect(JSON.stringify(fake.requests[0])).toContain('0 9 * * 1-5');
    const applied = await edit(id, { text: 'do it after dinner instead', confirm: true }, llmApp);
    expect(applied.body).toMatchObject({ applied: true, source: 'llm', task: { schedule: { cron: '0 20 * * 1-5' } } });
    expect(fake.requests).toHaveLength(1);
  });

  it('validates the model\'s change like a PATCH, and passes its decline on', async () => {
    const id = await dailyTask();
    fake.script(reply.toolCall('edit_task', { schedule: { kind: 'cron', cron: '99 * * * *' }, timezone: null, enabled: null, startAt: null, endAt: null, clear: [], name: null, prompt: null }));
    const invalid = await edit(id, { text: 'whenever the moon is up' }, llmApp);
    expect(invalid.status).toBe(422);
    fake.script(reply.toolCall('edit_task', { schedule: { kind: 'decline', reason: 'ambiguous', explanation: 'Every other week from which Monday?' }, timezone: null, enabled: null, startAt: null, endAt: null, clear: [], name: null, prompt: null }));
    const declined = await edit(id, { text: 'make it every other week' }, llmApp);
    expect(declined.status).toBe(422);
    expect(declined.body.reason).toBe('Every other week from which Monday?');
    expect((await read(id)).schedule.cron).toBe('0 9 * * *');
  });

  it('answers 404 for another user\'s task and 422 for an empty text', async () => {
    const id = await dailyTask();
    const other = (await rulesApp.user('mallory')).apiKey;
    expect((await edit(id, { text: 'move it to 10am', confirm: true }, rulesApp, other)).status).toBe(404);
    expect((await edit(id, { text: '' })).status).toBe(422);
    expect((await read(id)).schedule.cron).toBe('0 9 * * *');
  });
});
