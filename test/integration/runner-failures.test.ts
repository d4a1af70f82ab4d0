import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/runner/tools/index.ts';
import { defineTool, type Tool } from '../../src/runner/tools/types.ts';
import { reply } from '../support/fake-openai.ts';
import { messagesOf, type RunnerHarness, startRunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});
afterEach(() => h.fake.reset());
afterAll(() => h?.close());

describe('LLM failures end the run with a classified error', () => {
  it.each([
    ['a 429', reply.rateLimited(1), 'rate_limited', true],
    ['a 500', reply.serverError(500), 'server', true],
    ['a 503', reply.serverError(503), 'server', true],
    ['a dropped connection', reply.drop(), 'network', true],
    ['a reply cut off mid-body', reply.cut(), 'network', true],
    ['a 401', reply.unauthorized(), 'auth', false],
    ['a 403', reply.error(403, 'forbidden'), 'auth', false],
    ['a 404 model', reply.modelNotFound('fake-model'), 'not_found', false],
    ['a 400', reply.error(400, 'bad request'), 'bad_request', false],
  ])('%s is %s (transient: %s) and recorded as a failed llm step', async (_what, r, type, transient) => {
    const task = await h.task();
    h.fake.script(r);
    const { result, executionId } = await h.runTask(h.runner(), task);
    expect(result).toMatchObject({ status: 'failed', error: { type }, transient, usage: { llmCalls: 1 } });
    const steps = await h.steps(executionId);
    expect(steps).toHaveLength(1);
    expect(steps[0]?.data.error).toMatchObject({ type });
  });

  it('gives a clear message for bad credentials and a missing model, never the upstream text', async () => {
    const task = await h.task();
    h.fake.script(reply.unauthorized(), reply.modelNotFound('gpt-nope'));
    const auth = (await h.runTask(h.runner(), task)).result;
    expect(auth.status === 'failed' && auth.error.message).toContain('check OPENAI_API_KEY');
    const missing = (await h.runTask(h.runner(), task)).result;
    expect(missing.status === 'failed' && missing.error.message).toContain('check OPENAI_MODEL');
    expect(JSON.stringify([auth, missing])).not.toContain('platform.openai.com');
  });

  it('reads a client timeout as transient', async () => {
    const task = await h.task();
    h.fake.script(reply.delayed(2_000, reply.text('too late')));
    const t0 = performance.now();
    const { result } = await h.runTask(h.runner({ OPENAI_TIMEOUT_MS: '200' }), task);
    expect(result).toMatchObject({ status: 'failed', error: { type: 'timeout' }, transient: true });
    expect(performance.now() - t0).toBeLessThan(1_500);
  });

  it('fails with the reason when the reply cannot be read', async () => {
    const task = await h.task();
    h.fake.script(
      reply.raw(200, '{"choices": [', { 'content-type': 'application/json' }),
      reply.raw(200, 'hello, I am not JSON'),
      reply.raw(200, '{"object":"chat.completion"}', { 'content-type': 'application/json' }),
      reply.text(''),
    );
    const broken = (await h.runTask(h.runner(), task)).result;
    expect(broken).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('unreadable') } });
    for (const expected of ['no choices', 'no choices', 'neither an answer nor a tool call']) {
      const { result } = await h.runTask(h.runner(), task);
      expect(result).toMatchObject({ status: 'failed', transient: false, error: { type: 'malformed_response', message: expect.stringContaining(expected) } });
    }
  });

  it('fails on a refusal, a truncated answer and a filtered one', async () => {
    const task = await h.task();
    h.fake.script(reply.refusal('I cannot do that'), reply.text('half an ans', { finishReason: 'length' }), reply.text('x', { finishReason: 'content_filter' }));
    for (const type of ['refused', 'output_truncated', 'content_filter']) {
      expect((await h.runTask(h.runner(), task)).result).toMatchObject({ status: 'failed', transient: false, error: { type } });
    }
  });

  it('fails permanently when no model is configured, without a request', async () => {
    const task = await h.task();
    const run = h.runner({ OPENAI_BASE_URL: '', OPENAI_API_KEY: '' });
    expect((await h.runTask(run, task)).result).toMatchObject({ status: 'failed', transient: false, error: { type: 'llm_not_configured' } });
    expect(h.fake.requests).toHaveLength(0);
  });

  it('fails when the task is gone, and turns an internal error into a failed run instead of throwing', async () => {
    const task = await h.task();
    const execution = await h.execution(task);
    await h.db.pool.query('delete from executions where id = $1', [execution.id]);
    // The step insert hits a missing execution: a database error, not a model error.
    h.fake.script(reply.text('hi'));
    const internal = await h.runner()({ execution, signal: new AbortController().signal });
    expect(internal).toMatchObject({ status: 'failed', transient: false, error: { type: 'internal', message: expect.not.stringContaining('violates') } });
    const gone = await h.runner()({ execution: { ...execution, taskId: '999999' }, signal: new AbortController().signal });
    expect(gone).toMatchObject({ status: 'failed', error: { type: 'task_not_found' } });
  });
});

describe('tool failures go back to the model and the run goes on', () => {
  const boom = defineTool({
    name: 'notify',
    description: 'throws',
    parameters: z.object({ title: z.string(), message: z.string(), onlyIfChanged: z.boolean() }),
    async run() {
      throw new Error('the mail server is on fire');
    },
  });

  it.each([
    ['an unknown tool', { name: 'shell_exec', arguments: { cmd: 'rm -rf /' } }, 'unknown tool "shell_exec"; the tools available are memory_get'],
    ['a registered tool the task did not select', { name: 'notify', arguments: { title: 'a', message: 'b', onlyIfChanged: false } }, 'unknown tool "notify"'],
    ['arguments that are not JSON', { name: 'memory_get', arguments: '{"key": "unterminated' }, 'the arguments are not valid JSON'],
    ['arguments that fail the schema', { name: 'memory_get', arguments: { key: 42 } }, 'invalid arguments for memory_get: key: Invalid input: expected string'],
    ['a missing argument', { name: 'memory_get', arguments: {} }, 'invalid arguments for memory_get: key'],
  ])('%s', async (_what, call, message) => {
    const task = await h.task({ tools: ['memory_get'] });
    h.fake.script(reply.toolCall(call.name, call.arguments), reply.text('recovered'));
    const { result, executionId } = await h.runTask(h.runner(), task);
    expect(result).toMatchObject({ status: 'succeeded', output: 'recovered', usage: { llmCalls: 2, toolCalls: 1 } });
    const toolMsg = messagesOf(h.fake, 1)[3];
    expect(toolMsg.role).toBe('tool');
    expect(toolMsg.content).toContain(`Error: ${message}`);
    const step = (await h.steps(executionId))[1];
    expect(step).toMatchObject({ kind: 'tool', data: { name: call.name, error: expect.stringContaining(message), result: null } });
  });

  it('a throwing tool: its message (never a stack) goes back to the model', async () => {
    const task = await h.task({ tools: ['notify'] });
    const tools = new Map<string, Tool>([...TOOLS, ['notify', boom]]);
    h.fake.script(reply.toolCall('notify', { title: 't', message: 'm', onlyIfChanged: false }), reply.text('told you'));
    const { result, executionId } = await h.runTask(h.runner({}, { tools }), task);
    expect(result.status).toBe('succeeded');
    const content = messagesOf(h.fake, 1)[3].content as string;
    expect(content).toBe('Error: notify failed: the mail server is on fire');
    expect((await h.steps(executionId))[1]?.data.error).toBe('notify failed: the mail server is on fire');
  });

  it('answers calls past the per-step cap with an error instead of running them', async () => {
    const task = await h.task({ tools: ['memory_get'] });
    const calls = Array.from({ length: 10 }, (_, i) => ({ name: 'memory_get', arguments: { key: `k${i}` } }));
    h.fake.script(reply.toolCalls(calls), reply.text('ok'));
    const { result } = await h.runTask(h.runner(), task);
    expect(result).toMatchObject({ status: 'succeeded', usage: { toolCalls: 10 } });
    const tools = messagesOf(h.fake, 1).filter((m) => m.role === 'tool');
    expect(tools).toHaveLength(10);
    expect(tools.filter((m) => m.content.includes('too many tool calls'))).toHaveLength(2);
  });
});
