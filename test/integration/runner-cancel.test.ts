import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/models/notify.ts';
import { startTestApp } from '../support/app.ts';
import { ABORT_FLUSH_MS } from '../../src/runner/runner.ts';
import { reply } from '../support/fake-openai.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { startTestHttpServer, type TestHttpServer } from '../support/net.ts';
import { type RunnerHarness, startRunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;
let slow: TestHttpServer;
let slowClosed = 0;

beforeAll(async () => {
  h = await startRunnerHarness();
  slow = await startTestHttpServer((req, res) => {
    req.socket.once('close', () => slowClosed++);
    // A server that answers too late for any test: the run must be cancelled before.
    setTimeout(() => res.writeHead(200).end('late'), 10_000).unref();
  });
});
afterEach(() => h.fake.reset());
afterAll(async () => {
  await slow?.close();
  await h?.close();
});

const env = { HTTP_TOOL_ALLOWED_HOSTS: 'public.test' };

describe('cancellation', () => {
  it('aborting mid-LLM-call returns aborted at once and really aborts the request', async () => {
    const task = await h.task();
    h.fake.script(reply.delayed(10_000, reply.text('never')));
    const ctl = new AbortController();
    const execution = await h.execution(task);
    const running = h.runner()({ execution, signal: ctl.signal });
    await h.fake.nthRequest(1);
    const t0 = performance.now();
    ctl.abort();
    const result = await running;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(result).toEqual({ status: 'aborted', usage: { promptTokens: 0, completionTokens: 0, llmCalls: 1, toolCalls: 0 } });
    await h.fake.nthClientClose(1);
    // The step of the interrupted call is still recorded.
    expect((await h.steps(execution.id))[0]?.data.error).toMatchObject({ type: 'aborted' });
  });

  it('aborting mid-tool returns aborted at once and the tool request is torn down', async () => {
    const task = await h.task({ tools: ['http_fetch'] });
    h.fake.script(reply.toolCall('http_fetch', { url: `http://public.test:${slow.port}/slow`, method: 'GET', body: null, contentType: null }));
    const ctl = new AbortController();
    const execution = await h.execution(task);
    const before = slow.paths.length;
    const running = h.runner(env)({ execution, signal: ctl.signal });
    await expect.poll(() => slow.paths.length).toBe(before + 1);
    const t0 = performance.now();
    ctl.abort();
    const result = await running;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(result).toMatchObject({ status: 'aborted', usage: { llmCalls: 1, toolCalls: 1 } });
    await expect.poll(() => slowClosed).toBeGreaterThanOrEqual(1);
  });

  it('a cancelled run whose last step cannot be written waits ABORT_FLUSH_MS on its clock for it, no longer', async () => {
    const task = await h.task();
    h.fake.script(reply.delayed(60_000, reply.text('never')));
    const clock = new ManualClock();
    const ctl = new AbortController();
    const execution = await h.execution(task);
    // Holds the execution's row: the step insert's foreign-key check waits for it, so the flush hangs.
    const blocker = new pg.Client({ connectionString: h.db.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from executions where id = $1 for update', [execution.id]);
      let finished = false;
      const running = h.runner({}, { clock })({ execution, signal: ctl.signal }).finally(() => {
        finished = true;
      });
      await h.fake.nthRequest(1);
      const settling = clock.armed(ABORT_FLUSH_MS);
      ctl.abort();
      await settling;
      await clock.advance(ABORT_FLUSH_MS - 1);
      expect(finished).toBe(false);
      await clock.advance(1);
      expect(await running).toMatchObject({ status: 'aborted', usage: { llmCalls: 1 } });
      expect(await h.steps(execution.id)).toEqual([]);
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
  });

  it('an already-aborted signal returns aborted without calling the model', async () => {
    const task = await h.task();
    const result = await h.runner()({ execution: await h.execution(task), signal: AbortSignal.abort() });
    expect(result.status).toBe('aborted');
    expect(h.fake.requests).toHaveLength(0);
  });

  it('POST /api/executions/:id/cancel marks it cancelled, and the NOTIFY it sends aborts the run', async () => {
    const app = await startTestApp(h.db);
    const listener = new pg.Client({ connectionString: h.db.url });
    await listener.connect();
    try {
      const user = await app.user('canceller');
      const task = await h.task({ userId: user.id });
      const execution = await h.execution(task, { userId: user.id });
      // What the engine does: abort the run whose id arrives on the cancel channel.
      const ctl = new AbortController();
      await listener.query(`listen ${CHANNELS.cancel}`);
      listener.on('notification', (n) => {
        if (JSON.parse(n.payload ?? '{}').id === execution.id) ctl.abort();
      });
      h.fake.script(reply.delayed(10_000, reply.text('never')));
      const running = h.runner()({ execution, signal: ctl.signal });
      await expect.poll(() => h.fake.requests.length).toBe(1);
      const res = await app.request('POST', `/api/executions/${execution.id}/cancel`, { key: user.apiKey });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect((await running).status).toBe('aborted');
      await expect.poll(() => h.fake.clientCloses()).toBe(1);
    } finally {
      await listener.end();
      await app.close();
    }
  });
});
