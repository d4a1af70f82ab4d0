// Run now goes through the task's own rules: its overlap policy and its monthly token budget,
// with the real engine and runner and the fake chat server holding a run in flight.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/scheduler/engine.ts';
import type { TestResponse } from '../support/app.ts';
import { reply } from '../support/fake-openai.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

let stack: FullStack;
let finished: ReturnType<typeof watchFinishes>;

/** Every execution id the engine recorded as finished, and a bounded wait for one of them. */
function watchFinishes(engine: Engine) {
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  engine.events.on('recorded', (items: Array<{ id: string }>) => {
    for (const x of items) {
      seen.add(x.id);
      waiters.get(x.id)?.();
    }
  });
  return (id: string, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      if (seen.has(id)) return resolve();
      const t = setTimeout(() => reject(new Error(`execution ${id} not recorded within ${ms} ms`)), ms);
      waiters.set(id, () => {
        clearTimeout(t);
        resolve();
      });
    });
}

/** A promise that rejects after `ms`: every wait in this file is bounded. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

/** Holds every chat request until `release()`; `arrived` resolves on the first one. */
function holdChat() {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let arrive!: () => void;
  const arrived = new Promise<void>((r) => {
    arrive = r;
  });
  stack.fake.setHandler(async () => {
    arrive();
    await released;
    return reply.text('done', { usage: { promptTokens: 10, completionTokens: 2 } });
  });
  return { release, arrived: within(arrived, 10_000, 'the run to reach the chat server') };
}

beforeAll(async () => {
  stack = await startFullStack();
  finished = watchFinishes(stack.engine);
});
beforeEach(() => stack.fake.reset());
afterAll(() => stack?.close());

const req = (method: string, path: string, body?: unknown) => stack.app.request(method, path, body === undefined ? {} : { body });

async function task(fields: Record<string, unknown>) {
  const res = await req('POST', '/api/tasks', { name: 'digest', prompt: 'Summarize', schedule: { every: '1h' }, ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

function expectConflict(res: TestResponse, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(409);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toMatch(new RegExp(`/${code}$`));
}

describe('run now and the overlap policy', () => {
  it('answers 409 while a run is in progress under "skip", and 202 under "allow"', async () => {
    const t = await task({ overlap: 'skip' });
    const hold = holdChat();
    const first = await req('POST', `/api/tasks/${t.id}/run`);
    expect(first.status).toBe(202);
    await hold.arrived;
    expect((await req('GET', `/api/executions/${first.body.id}`)).body.status).toBe('running');

    expectConflict(await req('POST', `/api/tasks/${t.id}/run`), 'run_in_progress');
    expectConflict(await req('POST', `/api/tasks/${t.id}/run`, { dryRun: true }), 'run_in_progress');
    const { rows } = await stack.db.pool.query(`select count(*)::int as n from executions where task_id = $1`, [t.id]);
    expect(rows[0].n).toBe(1);

    expect((await req('PATCH', `/api/tasks/${t.id}`, { overlap: 'allow' })).status).toBe(200);
    const second = await req('POST', `/api/tasks/${t.id}/run`);
    expect(second.status).toBe(202);
    hold.release();
    await finished(first.body.id);
    await finished(second.body.id);

    expect((await req('PATCH', `/api/tasks/${t.id}`, { overlap: 'skip' })).status).toBe(200);
    const third = await req('POST', `/api/tasks/${t.id}/run`);
    expect(third.status).toBe(202);
    await finished(third.body.id);
  });

  it('lets one of two simultaneous run-now requests through under "skip" (a double click)', async () => {
    const t = await task({ overlap: 'skip' });
    const hold = holdChat();
    const answers = await Promise.all([req('POST', `/api/tasks/${t.id}/run`), req('POST', `/api/tasks/${t.id}/run`)]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    // Asked for one after the other, before the first has even started: still one.
    expect((await req('POST', `/api/tasks/${t.id}/run`)).status).toBe(409);
    await hold.arrived;
    hold.release();
    await finished((answers.find((a) => a.status === 202) as TestResponse).body.id);
  });
});

describe('run now and the monthly token budget', () => {
  it('answers 409 once the budget is spent, without calling the model, and runs again once it is raised', async () => {
    const t = await task({ overlap: 'allow', monthlyTokenBudget: 100 });
    stack.fake.setHandler(() => reply.text('a long answer', { usage: { promptTokens: 120, completionTokens: 5 } }));
    const first = await req('POST', `/api/tasks/${t.id}/run`);
    expect(first.status).toBe(202);
    await finished(first.body.id);
    expect((await req('GET', `/api/executions/${first.body.id}`)).body.error).toMatchObject({ type: 'budget_exhausted' });
    const calls = stack.fake.requests.length;

    const refused = await req('POST', `/api/tasks/${t.id}/run`);
    expectConflict(refused, 'budget_exhausted');
    expect(refused.body).toMatchObject({ used: 125, budget: 100 });
    expect(refused.body.detail).toContain('monthlyTokenBudget');
    expectConflict(await req('POST', `/api/tasks/${t.id}/run`, { dryRun: true }), 'budget_exhausted');
    expect(stack.fake.requests.length).toBe(calls);

    expect((await req('PATCH', `/api/tasks/${t.id}`, { monthlyTokenBudget: 1_000 })).status).toBe(200);
    const again = await req('POST', `/api/tasks/${t.id}/run`);
    expect(again.status).toBe(202);
    await finished(again.body.id);
    expect((await req('GET', `/api/executions/${again.body.id}`)).body.status).toBe('succeeded');
  });

  it('does not refuse a task without a budget, however many tokens it used', async () => {
    const t = await task({ overlap: 'allow' });
    stack.fake.setHandler(() => reply.text('x', { usage: { promptTokens: 90_000, completionTokens: 5 } }));
    const first = await req('POST', `/api/tasks/${t.id}/run`);
    await finished(first.body.id);
    expect((await req('POST', `/api/tasks/${t.id}/run`)).status).toBe(202);
  });
});
