import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLlm, type Llm } from '../../src/llm/client.ts';
import { NOT_UNDERSTOOD, parseWithLlm } from '../../src/nl-parser/llm.ts';
import { type FakeOpenAI, type FakeRequest, reply, startFakeOpenAI } from '../support/fake-openai.ts';

// Wednesday 25 November 2026, 12:27 in Paris (UTC+1).
const now = new Date('2026-11-25T11:27:00.000Z');
const opts = { timezone: 'Europe/Paris', now };

let server: FakeOpenAI;
let llm: Llm;

beforeAll(async () => {
  server = await startFakeOpenAI();
  llm = createLlm(loadConfig({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'test-key', OPENAI_MODEL: 'test-model', OPENAI_TIMEOUT_MS: '5000' }).openai);
});
afterEach(() => server.reset());
afterAll(() => server.close());

const parse = (text: string, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) => parseWithLlm(text, opts, { llm, ...extra });

/** A call of the schedule function with these arguments (timezone and task default to null). */
const schedule = (s: Record<string, unknown>, rest: Record<string, unknown> = {}) => reply.toolCall('set_schedule', { schedule: s, timezone: null, task: null, ...rest });

const messagesOf = (req: FakeRequest | undefined) => (req?.body.messages ?? []) as ChatCompletionMessageParam[];
const contentOf = (m: ChatCompletionMessageParam | undefined) => (typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content));

describe('parseWithLlm: a valid function call', () => {
  it('reads a cron schedule in one round trip and sends the forced, strict function call', async () => {
    server.script(schedule({ kind: 'cron', cron: '0 9 * * 1-5' }));
    const out = await parse('every weekday at 9am');
    expect(out).toMatchObject({ ok: true, source: 'llm', roundTrips: 1, schedule: { kind: 'cron', cron: '0 9 * * 1-5', timezone: 'Europe/Paris' } });
    expect(out.ok && out.task).toBeUndefined();

    expect(server.requests).toHaveLength(1);
    const body = server.requests[0]?.body;
    expect(body?.model).toBe('test-model');
    expect(body?.tool_choice).toEqual({ type: 'function', function: { name: 'set_schedule' } });
    expect(body?.tools).toHaveLength(1);
    const tool = body?.tools?.[0];
    expect(tool?.type).toBe('function');
    const fn = tool?.type === 'function' ? tool.function : undefined;
    expect(fn?.name).toBe('set_schedule');
    expect(fn?.strict).toBe(true);
    expect(fn?.parameters).toMatchObject({ type: 'object', required: ['schedule', 'timezone', 'task'], additionalProperties: false });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('puts now (UTC and local, with the weekday) and the timezone in the system prompt, and the text as the user message', async () => {
    server.script(schedule({ kind: 'cron', cron: '0 9 * * 1-5' }));
    await parse('  every weekday at 9am ');
    const [system, user] = messagesOf(server.requests[0]);
    expect(system?.role).toBe('system');
    const prompt = contentOf(system);
    expect(prompt).toContain('2026-11-25T11:27:00.000Z');
    expect(prompt).toContain('Wednesday 2026-11-25 12:27:00');
    expect(prompt).toContain('Europe/Paris');
    expect(prompt).toContain('UTC+01:00');
    expect(user).toEqual({ role: 'user', content: 'every weekday at 9am' });
  });

  it('reads an interval anchored on now', async () => {
    server.script(schedule({ kind: 'interval', everySeconds: 5400 }));
    expect(await parse('every 90 minutes')).toMatchObject({ ok: true, schedule: { kind: 'interval', everySeconds: 5400, anchor: now.toISOString(), timezone: 'Europe/Paris' } });
  });

  it('reads a one-off local time in the user zone', async () => {
    server.script(schedule({ kind: 'once', at: '2026-11-26T09:00:00' }));
    expect(await parse('tomorrow at 9')).toMatchObject({ ok: true, schedule: { kind: 'once', at: '2026-11-26T08:00:00.000Z', timezone: 'Europe/Paris' } });
  });

  it('uses a timezone the text names', async () => {
    server.script(schedule({ kind: 'cron', cron: '0 9 * * *' }, { timezone: 'Asia/Tokyo' }));
    expect(await parse('every day at 9am Tokyo time')).toMatchObject({ ok: true, schedule: { kind: 'cron', cron: '0 9 * * *', timezone: 'Asia/Tokyo' } });
  });

  it('extracts the task, deriving a missing title from the instruction', async () => {
    server.script(
      schedule({ kind: 'cron', cron: '0 8 * * 1' }, { task: { name: 'Weekly sales summary', prompt: 'Summarize last week’s sales.' } }),
      schedule({ kind: 'cron', cron: '0 8 * * 1' }, { task: { name: ' ', prompt: 'Check the backups' } }),
      schedule({ kind: 'cron', cron: '0 8 * * 1' }, { task: { name: 'Empty', prompt: '  ' } }),
    );
    expect(await parse('every Monday at 8 summarize last week’s sales')).toMatchObject({ ok: true, task: { name: 'Weekly sales summary', prompt: 'Summarize last week’s sales.' } });
    expect(await parse('mondays 8am check the backups')).toMatchObject({ ok: true, task: { name: 'Check the backups', prompt: 'Check the backups' } });
    const noTask = await parse('mondays 8am');
    expect(noTask.ok && noTask.task).toBeUndefined();
  });

  it('reports the tokens used', async () => {
    server.script(schedule({ kind: 'cron', cron: '0 9 * * *' }));
    const out = await parse('daily at 9');
    expect(out.usage.promptTokens).toBeGreaterThan(0);
    expect(out.usage.completionTokens).toBeGreaterThan(0);
  });
});

describe('parseWithLlm: one repair round', () => {
  it('sends an invalid cron back with the validation error and accepts the correction (2 round trips)', async () => {
    server.script(reply.toolCalls([{ id: 'call_bad', name: 'set_schedule', arguments: { schedule: { kind: 'cron', cron: '61 9 * * *' }, timezone: null, task: null } }]), schedule({ kind: 'cron', cron: '1 9 * * *' }));
    const out = await parse('every day at 9:61');
    expect(out).toMatchObject({ ok: true, roundTrips: 2, schedule: { cron: '1 9 * * *' } });
    expect(server.requests).toHaveLength(2);

    const second = server.requests[1];
    expect(second?.body.tool_choice).toEqual({ type: 'function', function: { name: 'set_schedule' } });
    const msgs = messagesOf(second);
    expect(msgs.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(msgs[2]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_bad', type: 'function', function: { name: 'set_schedule' } }] });
    expect(msgs[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_bad' });
    expect(contentOf(msgs[3])).toContain('schedule.cron: invalid cron expression');
  });

  it('gives up with 422 when the repair is invalid too', async () => {
    server.script(schedule({ kind: 'cron', cron: '61 9 * * *' }), schedule({ kind: 'once', at: '2020-01-01T09:00:00' }));
    const out = await parse('every day at 9:61');
    expect(out).toMatchObject({ ok: false, status: 422, code: 'invalid_schedule', roundTrips: 2 });
    expect(!out.ok && out.reason).toContain(NOT_UNDERSTOOD);
    expect(!out.ok && out.reason).toContain('schedule.at: is in the past');
    expect(server.requests).toHaveLength(2);
  });

  it('repairs arguments that are not JSON', async () => {
    server.script(reply.toolCall('set_schedule', '{"schedule": {"kind": "cron", "cron": "0 9'), schedule({ kind: 'cron', cron: '0 9 * * *' }));
    expect(await parse('daily at 9')).toMatchObject({ ok: true, roundTrips: 2 });
    expect(contentOf(messagesOf(server.requests[1])[3])).toContain('not valid JSON');
  });

  it('repairs arguments that do not match the schema', async () => {
    server.script(schedule({ kind: 'weekly', day: 'monday' }), schedule({ kind: 'cron', cron: '0 9 * * 1' }));
    expect(await parse('mondays at 9')).toMatchObject({ ok: true, roundTrips: 2 });
    expect(contentOf(messagesOf(server.requests[1])[3])).toContain("do not match the function's schema");
  });

  it('repairs a one-off in the past and an unknown timezone', async () => {
    server.script(schedule({ kind: 'once', at: '2026-11-24T09:00:00' }), schedule({ kind: 'once', at: '2026-11-26T09:00:00' }));
    expect(await parse('tomorrow at 9')).toMatchObject({ ok: true, roundTrips: 2 });
    expect(contentOf(messagesOf(server.requests[1])[3])).toContain('schedule.at: is in the past');

    server.reset();
    server.script(schedule({ kind: 'cron', cron: '0 9 * * *' }, { timezone: 'Mars/Olympus' }), schedule({ kind: 'cron', cron: '0 9 * * *' }, { timezone: 'Asia/Tokyo' }));
    expect(await parse('9am Tokyo')).toMatchObject({ ok: true, roundTrips: 2, schedule: { timezone: 'Asia/Tokyo' } });
    expect(contentOf(messagesOf(server.requests[1])[3])).toContain('unknown IANA timezone "Mars/Olympus"');
  });

  it('answers only the call it repairs when the model made several', async () => {
    server.script(
      reply.toolCalls([
        { id: 'c1', name: 'set_schedule', arguments: 'garbage' },
        { id: 'c2', name: 'set_schedule', arguments: 'more garbage' },
      ]),
      schedule({ kind: 'cron', cron: '0 9 * * *' }),
    );
    expect(await parse('daily at 9')).toMatchObject({ ok: true, roundTrips: 2 });
    const msgs = messagesOf(server.requests[1]);
    expect(msgs[2]).toMatchObject({ tool_calls: [{ id: 'c1' }] });
    expect(msgs).toHaveLength(4);
  });
});

describe('parseWithLlm: no schedule from the model (422)', () => {
  it('passes a decline on with its explanation, without a repair', async () => {
    server.script(schedule({ kind: 'decline', reason: 'impossible', explanation: 'February never has a 30th day.' }));
    expect(await parse('every February 30th')).toEqual({
      ok: false,
      status: 422,
      code: 'impossible',
      reason: 'February never has a 30th day.',
      roundTrips: 1,
      usage: expect.any(Object),
    });
  });

  it('declines a text answer without a function call', async () => {
    server.script(reply.text('Did you mean 9am or 9pm?'));
    expect(await parse('at 9')).toMatchObject({ ok: false, status: 422, code: 'no_schedule', reason: NOT_UNDERSTOOD, roundTrips: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('declines a refusal, quoting it', async () => {
    server.script(reply.refusal("I can't help with that."));
    const out = await parse('every day at 9 do something awful');
    expect(out).toMatchObject({ ok: false, status: 422, code: 'refused', roundTrips: 1 });
    expect(!out.ok && out.reason).toContain("I can't help with that.");
  });
});

describe('parseWithLlm: the language model unavailable (503)', () => {
  it('bounds the call with the timeout', async () => {
    server.script(reply.delayed(3_000, schedule({ kind: 'cron', cron: '0 9 * * *' })));
    const t0 = performance.now();
    const out = await parse('daily at 9', { timeoutMs: 200 });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(out).toMatchObject({ ok: false, status: 503, code: 'timeout', reason: 'the language model did not answer in time', roundTrips: 1 });
  });

  it('bounds the repair round by what is left of the same timeout', async () => {
    server.script(reply.delayed(150, schedule({ kind: 'cron', cron: 'bad' })), reply.delayed(3_000, schedule({ kind: 'cron', cron: '0 9 * * *' })));
    const t0 = performance.now();
    const out = await parse('daily at 9', { timeoutMs: 400 });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(out).toMatchObject({ ok: false, status: 503, code: 'timeout', roundTrips: 2 });
  });

  it('says a 429 is rate limiting', async () => {
    server.script(reply.rateLimited(1));
    expect(await parse('daily at 9')).toMatchObject({ ok: false, status: 503, code: 'rate_limited', reason: 'the language model is rate-limited; try again shortly', roundTrips: 1 });
  });

  it('reports a dropped connection', async () => {
    server.script(reply.drop());
    expect(await parse('daily at 9')).toMatchObject({ ok: false, status: 503, code: 'network', roundTrips: 1 });
  });

  it('names the configuration to check for 401 and for an unknown model', async () => {
    server.script(reply.unauthorized(), reply.modelNotFound('test-model'));
    const auth = await parse('daily at 9');
    expect(auth).toMatchObject({ ok: false, status: 503, code: 'auth' });
    expect(!auth.ok && auth.reason).toContain('OPENAI_API_KEY');
    const model = await parse('daily at 9');
    expect(model).toMatchObject({ ok: false, status: 503, code: 'not_found' });
    expect(!model.ok && model.reason).toContain('OPENAI_MODEL');
  });

  it('reports a 200 whose body is not a chat completion', async () => {
    server.script(reply.raw(200, 'upstream proxy says hi'));
    expect(await parse('daily at 9')).toMatchObject({ ok: false, status: 503, code: 'malformed_response' });
  });

  it('survives completions of the wrong shape without throwing', async () => {
    const json = { 'content-type': 'application/json' };
    server.script(
      reply.raw(200, '{"choices": "nope"}', json),
      reply.raw(200, '{"choices": [null]}', json),
      reply.raw(200, '{"choices": [{"message": {"refusal": 42, "tool_calls": [null, {"type": "function", "function": null}, {"type": "function", "function": {"name": 7, "arguments": "{}"}}]}}]}', json),
      reply.raw(200, '{"choices": [{"message": {"tool_calls": [{"id": 5, "type": "function", "function": {"name": "set_schedule", "arguments": "null"}}]}}]}', json),
      schedule({ kind: 'cron', cron: '0 9 * * *' }),
    );
    expect(await parse('daily at 9')).toMatchObject({ ok: false, status: 503, code: 'malformed_response' });
    expect(await parse('daily at 9')).toMatchObject({ ok: false, status: 422, code: 'no_schedule' });
    expect(await parse('daily at 9')).toMatchObject({ ok: false, status: 422, code: 'no_schedule' });
    expect(await parse('daily at 9')).toMatchObject({ ok: true, roundTrips: 2 });
    expect(messagesOf(server.requests[4])[2]).toMatchObject({ tool_calls: [{ id: 'call_0' }] });
  });

  it("stops when the caller's signal aborts", async () => {
    server.script(reply.delayed(3_000, schedule({ kind: 'cron', cron: '0 9 * * *' })));
    const out = await parse('daily at 9', { signal: AbortSignal.timeout(50) });
    expect(out).toMatchObject({ ok: false, status: 503, code: 'aborted' });
  });

  describe('with SDK retries off (maxRetries 0)', () => {
    it('makes exactly one request for a 500', async () => {
      server.script(reply.serverError(), reply.serverError());
      const out = await parse('daily at 9');
      expect(out).toMatchObject({ ok: false, status: 503, code: 'server', roundTrips: 1 });
      expect(!out.ok && out.reason).toContain('HTTP 500');
      expect(server.requests).toHaveLength(1);
    });
  });
});

describe('parseWithLlm: without a call', () => {
  it('says "not understood" without any request when the LLM is not configured', async () => {
    const off = createLlm(loadConfig({}).openai);
    const out = await parseWithLlm('every weekday at 9am', opts, { llm: off });
    expect(out).toEqual({ ok: false, status: 422, code: 'not_configured', reason: NOT_UNDERSTOOD, roundTrips: 0, usage: { promptTokens: 0, completionTokens: 0 } });
    expect(server.requests).toHaveLength(0);
  });

  it('rejects an unknown user timezone, empty text and very long text up front', async () => {
    expect(await parseWithLlm('daily', { timezone: 'Nowhere/City', now }, { llm })).toMatchObject({ ok: false, status: 422, code: 'bad_input', roundTrips: 0 });
    expect(await parse('   ')).toMatchObject({ ok: false, status: 422, code: 'bad_input', roundTrips: 0 });
    expect(await parse('x'.repeat(5_000))).toMatchObject({ ok: false, status: 422, code: 'bad_input', roundTrips: 0 });
    expect(server.requests).toHaveLength(0);
  });
});
