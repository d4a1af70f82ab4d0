import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { type RunnerHarness, startRunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});
afterEach(() => h.fake.reset());
afterAll(() => h?.close());

const loopForever = () => h.fake.setHandler(() => reply.toolCall('memory_get', { key: 'again' }, { usage: { promptTokens: 10, completionTokens: 2 } }));

async function previousRun(taskId: string, tokens: number, startedAt: string) {
  await h.db.pool.query(
    `insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, finished_at, prompt_tokens, completion_tokens)
     values ($1, $2, 'succeeded', 'schedule', $3, $3, $3, $4, 0)`,
    [taskId, h.userId, startedAt, tokens],
  );
}

describe('bounds', () => {
  it('stops at RUN_MAX_STEPS with a reason naming it', async () => {
    const task = await h.task({ tools: ['memory_get'] });
    loopForever();
    const { result, executionId } = await h.runTask(h.runner({ RUN_MAX_STEPS: '3' }), task);
    expect(result).toMatchObject({ status: 'failed', transient: false, error: { type: 'step_limit', message: expect.stringContaining('RUN_MAX_STEPS') }, usage: { llmCalls: 3, toolCalls: 3 } });
    expect(h.fake.requests).toHaveLength(3);
    expect(await h.steps(executionId)).toHaveLength(6);
  });

  it('stops at the default of 10 steps', async () => {
    const task = await h.task({ tools: ['memory_get'] });
    loopForever();
    const { result } = await h.runTask(h.runner(), task);
    expect(result).toMatchObject({ status: 'failed', error: { type: 'step_limit' }, usage: { llmCalls: 10 } });
  });

  it('stops at RUN_TIMEOUT_SECONDS on its clock, aborting the call in flight', async () => {
    const task = await h.task();
    // The server holds the reply far longer than the test runs: only the run's time limit ends the call.
    h.fake.script(reply.delayed(60_000, reply.text('too late')));
    const clock = new ManualClock();
    let finished = false;
    // 30 s: far past the test's own run time, so only the manual clock can reach the limit.
    const running = h.runTask(h.runner({ RUN_TIMEOUT_SECONDS: '30' }, { clock }), task).finally(() => {
      finished = true;
    });
    await h.fake.nthRequest(1);
    await clock.advance(29_999);
    expect(finished).toBe(false);
    expect(h.fake.clientCloses()).toBe(0);
    await clock.advance(1);
    const { result, executionId } = await running;
    expect(result).toMatchObject({ status: 'failed', transient: false, error: { type: 'run_timeout', message: expect.stringContaining('RUN_TIMEOUT_SECONDS') } });
    await h.fake.nthClientClose(1);
    expect((await h.steps(executionId))[0]?.data.error).toMatchObject({ type: 'aborted' });
  });

  it('gives a request no more real time than the run has left on its clock', async () => {
    const task = await h.task({ tools: ['memory_get'] });
    let answerFirst: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      answerFirst = r;
    });
    h.fake.setHandler(async (req) => {
      if (req.index > 0) return reply.delayed(60_000, reply.text('too late'));
      await held;
      return reply.toolCall('memory_get', { key: 'a' });
    });
    const clock = new ManualClock();
    const running = h.runTask(h.runner({ RUN_TIMEOUT_SECONDS: '1', OPENAI_TIMEOUT_MS: '60000' }, { clock }), task);
    await h.fake.nthRequest(1);
    // 600 ms of the run's second go by on its clock during the first call: the second request is
    // sent with 400 ms as its (real-time) transport timeout, not OPENAI_TIMEOUT_MS.
    await clock.advance(600);
    answerFirst();
    await h.fake.nthRequest(2);
    const t0 = performance.now();
    const { result, executionId } = await running;
    const took = performance.now() - t0;
    expect(result).toMatchObject({ status: 'failed', error: { type: 'timeout' } });
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(5_000);
    expect((await h.steps(executionId)).map((s) => s.data.error?.type ?? null)).toEqual([null, null, 'timeout']);
  });

  it('stops when the run crosses RUN_MAX_TOKENS', async () => {
    const task = await h.task({ tools: ['memory_get'] });
    h.fake.script(reply.toolCall('memory_get', { key: 'a' }, { usage: { promptTokens: 60, completionTokens: 10 } }), reply.text('x', { usage: { promptTokens: 90, completionTokens: 10 } }));
    const { result } = await h.runTask(h.runner({ RUN_MAX_TOKENS: '100' }), task);
    expect(result).toMatchObject({ status: 'failed', transient: false, error: { type: 'token_limit', message: expect.stringContaining('RUN_MAX_TOKENS') }, usage: { promptTokens: 150, completionTokens: 20 } });
  });

  it('counts estimated tokens when the server sends no usage', async () => {
    const task = await h.task();
    h.fake.script(reply.text('y'.repeat(2_000), { usage: null }));
    const { result, executionId } = await h.runTask(h.runner({ RUN_MAX_TOKENS: '100' }), task);
    expect(result).toMatchObject({ status: 'failed', error: { type: 'token_limit' } });
    expect((await h.steps(executionId))[0]?.data.tokensEstimated).toBe(true);
  });

  it('pauses the task when a run would exceed its monthly token budget', async () => {
    const task = await h.task({ monthlyTokenBudget: 1_000, tools: ['memory_get'] });
    await previousRun(task, 990, new Date().toISOString());
    // Last month's runs do not count.
    await previousRun(task, 50_000, new Date(Date.now() - 40 * 86400_000).toISOString());
    h.fake.script(reply.toolCall('memory_get', { key: 'a' }, { usage: { promptTokens: 15, completionTokens: 5 } }));
    const { result } = await h.runTask(h.runner(), task);
    expect(result).toMatchObject({
      status: 'failed',
      transient: false,
      error: { type: 'budget_exhausted' },
      pauseTask: 'monthly token budget reached: 1010 of 1000 tokens used this month',
    });
  });

  it('does not call the model at all once the budget is spent', async () => {
    const task = await h.task({ monthlyTokenBudget: 500 });
    await previousRun(task, 500, new Date().toISOString());
    const { result } = await h.runTask(h.runner(), task);
    expect(result).toMatchObject({ status: 'failed', error: { type: 'budget_exhausted' }, pauseTask: expect.stringContaining('500 of 500'), usage: { llmCalls: 0 } });
    expect(h.fake.requests).toHaveLength(0);
  });

  it('caps each reply at what is left of the budget, so a run ends over it by at most one prompt', async () => {
    const task = await h.task({ monthlyTokenBudget: 1_000, tools: ['memory_get'] });
    await previousRun(task, 700, new Date().toISOString());
    // The server honours the cap as a real one would: the reply is cut at max_completion_tokens.
    h.fake.setHandler((req) => {
      const cap = (req.body as { max_completion_tokens?: number }).max_completion_tokens ?? 10_000;
      return reply.toolCall('memory_get', { key: 'a' }, { usage: { promptTokens: 40, completionTokens: Math.min(cap, 250) } });
    });
    const { result } = await h.runTask(h.runner(), task);
    const caps = h.fake.requests.map((r) => (r.body as { max_completion_tokens?: number }).max_completion_tokens);
    // 300 left: a first call of 40 + 250 leaves 10 for the second, which its prompt alone crosses.
    expect(caps).toEqual([300, 10]);
    expect(result).toMatchObject({ status: 'failed', error: { type: 'budget_exhausted' }, usage: { llmCalls: 2 } });
    const used = 700 + result.usage.promptTokens + result.usage.completionTokens;
    expect(used).toBe(1_040);
    expect(used - 1_000).toBeLessThanOrEqual(40);
  });

  it('sends no max_completion_tokens for a task without a budget', async () => {
    const task = await h.task();
    h.fake.script(reply.text('fine'));
    await h.runTask(h.runner(), task);
    expect(h.fake.requests[0]?.body).not.toHaveProperty('max_completion_tokens');
  });

  it('runs normally under its budget', async () => {
    const task = await h.task({ monthlyTokenBudget: 100_000 });
    await previousRun(task, 500, new Date().toISOString());
    h.fake.script(reply.text('fine'));
    expect((await h.runTask(h.runner(), task)).result.status).toBe('succeeded');
  });
});
