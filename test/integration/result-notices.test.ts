// "Tell me the result": a task with notifyResult on puts each final run's result in its owner's
// inbox (the start of the output, or why it failed); a retried attempt is not a result; off by
// default through the API. Through HTTP, the real engine and runner, and the fake chat server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_EXCERPT_CHARS } from '../../src/store/notifications.ts';
import { reply } from '../support/fake-openai.ts';
import { type FullStack, startFullStack } from '../support/full-stack.ts';

let stack: FullStack;
beforeAll(async () => {
  stack = await startFullStack();
});
afterAll(async () => {
  await stack?.close();
});

const api = (method: string, path: string, body?: unknown) => stack.app.request(method, path, body === undefined ? {} : { body });
const later = () => ({ at: new Date(Date.now() + 3_600_000).toISOString() });

/** Resolves with what the notifier wrote for the batch holding `executionId` (listen before the run). */
function deliveredFor(executionId: () => string | null): Promise<number> {
  return new Promise((resolve) => {
    const on = ({ executionIds, written }: { executionIds: string[]; written: number }) => {
      const id = executionId();
      if (!id || !executionIds.includes(id)) return;
      stack.notices.events.off('delivered', on);
      resolve(written);
    };
    stack.notices.events.on('delivered', on);
  });
}

/** Runs the task now; resolves once its final finish went through the notifier. */
async function runAndDeliver(taskId: string): Promise<{ executionId: string; written: number }> {
  let id: string | null = null;
  const done = deliveredFor(() => id);
  const run = await api('POST', `/api/tasks/${taskId}/run`);
  expect(run.status).toBe(202);
  // A retry is a new execution: wait for the batch of the task's last one.
  id = run.body.id;
  return { executionId: id as string, written: await done };
}

async function notesOf(taskId: string) {
  const page = await api('GET', '/api/notifications?limit=100');
  return (page.body.items as Array<{ taskId: string; title: string; body: string; executionId: string | null }>).filter((n) => n.taskId === taskId);
}

describe('result notifications', () => {
  it('is off by default through the API, and a run then writes nothing to the inbox', async () => {
    stack.fake.setHandler(() => reply.text('quiet result'));
    const created = await api('POST', '/api/tasks', { name: 'Quiet', prompt: 'say something', schedule: later() });
    expect(created.status).toBe(201);
    expect(created.body.notifyResult).toBe(false);
    const { written } = await runAndDeliver(created.body.id);
    expect(written).toBe(0);
    expect(await notesOf(created.body.id)).toEqual([]);
  });

  it("delivers a success's output, cut to the excerpt length, titled with the task", async () => {
    const output = `${'word '.repeat(200)}end`;
    stack.fake.setHandler(() => reply.text(output));
    const created = await api('POST', '/api/tasks', { name: 'Digest', prompt: 'write a lot', schedule: later(), notifyResult: true });
    expect(created.body.notifyResult).toBe(true);
    const { executionId, written } = await runAndDeliver(created.body.id);
    expect(written).toBe(1);
    const [note, ...rest] = await notesOf(created.body.id);
    expect(rest).toEqual([]);
    expect(note?.title).toBe('Digest: done');
    expect(note?.body).toBe(`${output.slice(0, RESULT_EXCERPT_CHARS).trim()}…`);
    expect(note?.executionId).toBe(executionId);
  });

  it('delivers the failure reason of a run that failed for good', async () => {
    stack.fake.setHandler(() => reply.unauthorized());
    const created = await api('POST', '/api/tasks', { name: 'Broken', prompt: 'try', schedule: later(), notifyResult: true, maxAttempts: 1 });
    const { written } = await runAndDeliver(created.body.id);
    expect(written).toBe(1);
    const x = await api('GET', `/api/tasks/${created.body.id}/executions?limit=1`);
    expect(x.body.items[0].status).toBe('failed');
    const [note] = await notesOf(created.body.id);
    expect(note?.title).toBe('Broken: failed');
    expect(note?.body).toBe(x.body.items[0].error.message);
  });

  it('says nothing of an attempt that will be retried: one notification, for the retry that succeeded', async () => {
    let calls = 0;
    stack.fake.setHandler(() => (++calls === 1 ? reply.serverError(503) : reply.text('second time lucky')));
    const created = await api('POST', '/api/tasks', { name: 'Flaky', prompt: 'try twice', schedule: later(), notifyResult: true, maxAttempts: 2 });
    // The first attempt's batch writes nothing; the retry's batch writes the result.
    const retried = new Promise<number>((resolve) => {
      const on = ({ written }: { written: number }) => {
        if (written === 0) return;
        stack.notices.events.off('delivered', on);
        resolve(written);
      };
      stack.notices.events.on('delivered', on);
    });
    const first = await runAndDeliver(created.body.id);
    expect(first.written).toBe(0);
    expect(await retried).toBe(1);
    const notes = await notesOf(created.body.id);
    expect(notes.map((n) => [n.title, n.body])).toEqual([['Flaky: done', 'second time lucky']]);
  });

  it('is switched off and on with PATCH; a wrong type is a 4xx naming the field', async () => {
    const created = await api('POST', '/api/tasks', { name: 'Switch', prompt: 'p', schedule: later(), notifyResult: true });
    const off = await api('PATCH', `/api/tasks/${created.body.id}`, { notifyResult: false });
    expect(off.status).toBe(200);
    expect(off.body.notifyResult).toBe(false);
    const bad = await api('PATCH', `/api/tasks/${created.body.id}`, { notifyResult: 'yes' });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    expect(JSON.stringify(bad.body.errors)).toContain('notifyResult');
  });
});
