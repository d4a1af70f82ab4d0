// A one-off that ran is Completed, not Paused: resume has nothing to run (409, saying why), while
// running it again and giving it a new schedule work. A task the user paused stays Paused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** Resolves once a run of the task has finished and its finish is committed (the task row updated). */
function finishedFor(taskId: string): Promise<{ status: string }> {
  return new Promise((resolve) => {
    let run: { executionId: string; status: string } | null = null;
    const onFinished = ({ fire, result }: { fire: { taskId: string; executionId: string }; result: { status: string } }) => {
      if (fire.taskId === taskId) run = { executionId: fire.executionId, status: result.status };
    };
    const onRecorded = (items: { id: string }[]) => {
      if (!run || !items.some((i) => i.id === run?.executionId)) return;
      stack.engine.events.off('finished', onFinished);
      stack.engine.events.off('recorded', onRecorded);
      resolve({ status: run.status });
    };
    stack.engine.events.on('finished', onFinished);
    stack.engine.events.on('recorded', onRecorded);
  });
}

describe('a completed one-off', () => {
  it('is completed once it ran; resume is a 409; run again and schedule again work', async () => {
    stack.fake.setHandler(() => reply.text('done'));
    const at = new Date(Date.now() + 1500).toISOString();
    const created = await api('POST', '/api/tasks', { name: 'Once', prompt: 'say done', schedule: { at } });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('active');
    // The engine fires it at its time: awaited as an event, not polled.
    expect((await finishedFor(created.body.id)).status).toBe('succeeded');

    const done = await api('GET', `/api/tasks/${created.body.id}`);
    expect(done.body).toMatchObject({ state: 'completed', enabled: false, nextRunAt: null, pausedReason: null });
    const resume = await api('POST', `/api/tasks/${created.body.id}/resume`);
    expect(resume.status).toBe(409);
    expect(resume.headers.get('content-type')).toMatch(/problem\+json/);
    expect(resume.body.detail).toMatch(/completed/);

    const again = finishedFor(created.body.id);
    expect((await api('POST', `/api/tasks/${created.body.id}/run`)).status).toBe(202);
    expect((await again).status).toBe('succeeded');
    expect((await api('GET', `/api/tasks/${created.body.id}`)).body.state).toBe('completed');

    const rescheduled = await api('PATCH', `/api/tasks/${created.body.id}`, { schedule: { at: new Date(Date.now() + 3_600_000).toISOString() }, enabled: true });
    expect(rescheduled.status).toBe(200);
    expect(rescheduled.body).toMatchObject({ state: 'active', enabled: true });
  });

  it('a one-off the user paused before its time is paused, and resumes', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const created = await api('POST', '/api/tasks', { name: 'Later', prompt: 'later', schedule: { at } });
    expect((await api('POST', `/api/tasks/${created.body.id}/pause`)).body.state).toBe('paused');
    const resumed = await api('POST', `/api/tasks/${created.body.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toBe('active');
  });
});
