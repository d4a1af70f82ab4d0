import OpenAI, { APIConnectionError, APIUserAbortError, AuthenticationError, BadRequestError, InternalServerError, NotFoundError, RateLimitError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, reply, startFakeOpenAI } from '../support/fake-openai.ts';

// The fake is tested through the real SDK: what matters is that the client reads it as OpenAI.
let server: FakeOpenAI;
let client: OpenAI;

const ask = (content = 'hello', extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content }], ...extra });

beforeAll(async () => {
  server = await startFakeOpenAI();
  client = new OpenAI({ apiKey: 'k', baseURL: server.url, maxRetries: 0, timeout: 5_000 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe('fake OpenAI server', () => {
  it('answers a scripted text reply as a chat completion, echoing the model and counting tokens', async () => {
    server.script(reply.text('hi there'));
    const c = await ask();
    expect(c.object).toBe('chat.completion');
    expect(c.model).toBe('fake-model');
    expect(c.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'hi there', refusal: null });
    expect(c.choices[0]?.finish_reason).toBe('stop');
    expect(c.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(c.usage?.total_tokens).toBe((c.usage?.prompt_tokens ?? 0) + (c.usage?.completion_tokens ?? 0));
  });

  it('sends parallel tool calls with ids, passing raw argument strings through verbatim', async () => {
    server.script(
      reply.toolCalls([
        { name: 'lookup', arguments: { q: 'x' }, id: 'call_a' },
        { name: 'lookup', arguments: '{"q": "unterminated' },
      ]),
    );
    const c = await ask();
    const calls = c.choices[0]?.message.tool_calls ?? [];
    expect(c.choices[0]?.finish_reason).toBe('tool_calls');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({ id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } });
    expect(calls[1]).toMatchObject({ type: 'function', function: { arguments: '{"q": "unterminated' } });
    expect(calls[1]?.id).toMatch(/^call_/);
  });

  it('sends a refusal, an explicit finish_reason and explicit or absent usage', async () => {
    server.script(reply.refusal('I cannot help with that'), reply.text('cut', { finishReason: 'length', usage: { promptTokens: 7, completionTokens: 3 } }), reply.text('x', { usage: null }));
    const refused = await ask();
    expect(refused.choices[0]?.message).toMatchObject({ content: null, refusal: 'I cannot help with that' });
    const cut = await ask();
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(cut.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect((await ask()).usage).toBeUndefined();
  });

  it('answers HTTP errors with OpenAI error bodies the SDK turns into its error classes', async () => {
    server.script(reply.rateLimited(7), reply.serverError(), reply.unauthorized(), reply.modelNotFound('gpt-nope'), reply.error(400, 'bad things', { param: 'messages' }));
    const rate = await ask().catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(RateLimitError);
    expect((rate as RateLimitError).headers.get('retry-after')).toBe('7');
    expect((rate as RateLimitError).code).toBe('rate_limit_exceeded');
    expect(await ask().catch((e: unknown) => e)).toBeInstanceOf(InternalServerError);
    expect(await ask().catch((e: unknown) => e)).toBeInstanceOf(AuthenticationError);
    const missing = await ask().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).code).toBe('model_not_found');
    expect((missing as NotFoundError).message).toContain('gpt-nope');
    const bad = await ask().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect((bad as BadRequestError).param).toBe('messages');
  });

  it('drops the connection so the client sees a connection error', async () => {
    server.script(reply.drop());
    expect(await ask().catch((e: unknown) => e)).toBeInstanceOf(APIConnectionError);
  });

  it('counts requests whose client went away before the answer, but not answered or dropped ones', async () => {
    server.script(reply.text('read'), reply.drop(), reply.delayed(5_000, reply.text('never read')));
    await ask();
    await ask().catch(() => undefined);
    const ctl = new AbortController();
    const aborted = client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { signal: ctl.signal }).catch((e: unknown) => e);
    await server.nthRequest(3);
    expect(server.requests).toHaveLength(3);
    expect(server.clientCloses()).toBe(0);
    ctl.abort();
    expect(await aborted).toBeInstanceOf(APIUserAbortError);
    await server.nthClientClose(1);
    expect(server.clientCloses()).toBe(1);
  });

  it('lets a test await the n-th request, bounded in time, and cancels the waits on reset', async () => {
    server.script(reply.text('a'), reply.text('b'));
    const second = server.nthRequest(2);
    await ask();
    let arrived = false;
    void second.then(() => {
      arrived = true;
    });
    await ask();
    await second;
    expect(arrived).toBe(true);
    await expect(server.nthRequest(2)).resolves.toBeUndefined(); // already there: at once
    await expect(server.nthRequest(3, 20)).rejects.toThrow('no request #3 within 20 ms (2 so far)');
    const cancelled = server.nthRequest(3);
    server.reset();
    await expect(cancelled).rejects.toThrow('cancelled by reset()');
  });

  it('waits delayMs before answering', async () => {
    server.script(reply.delayed(150, reply.text('late')));
    const t0 = performance.now();
    const c = await ask();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(c.choices[0]?.message.content).toBe('late');
  });

  it('consumes the script in arrival order, then asks the handler, which sees the request', async () => {
    server.setHandler((req) => reply.text(`handled #${req.index}: ${String(req.body.messages?.[0]?.content)}`));
    server.script(reply.text('scripted'));
    expect((await ask('one')).choices[0]?.message.content).toBe('scripted');
    expect((await ask('two')).choices[0]?.message.content).toBe('handled #1: two');
    expect(server.pending()).toBe(0);
  });

  it('gives concurrent requests their scripted replies in arrival order whatever the delays', async () => {
    server.script(reply.delayed(100, reply.text('first')), reply.text('second'));
    const first = ask('a');
    await server.nthRequest(1); // the first request has arrived (and taken its reply) before the second is sent
    const second = ask('b');
    expect((await second).choices[0]?.message.content).toBe('second');
    expect((await first).choices[0]?.message.content).toBe('first');
  });

  it('answers a clear 500 when nothing is scripted, so no test passes by accident', async () => {
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as Error).message).toContain('no scripted reply');
  });

  it('uses a configured default reply and turns a throwing handler into a 500 that names it', async () => {
    const other = await startFakeOpenAI({ defaultReply: reply.text('default') });
    try {
      const c2 = new OpenAI({ apiKey: 'k', baseURL: other.url, maxRetries: 0 });
      const r = await c2.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      expect(r.choices[0]?.message.content).toBe('default');
      other.setHandler(() => {
        throw new Error('boom');
      });
      const err = await c2.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect((err as Error).message).toContain('the handler threw: boom');
    } finally {
      await other.close();
    }
  });

  it('records every request with body, headers and time; reset clears them', async () => {
    server.script(reply.text('a'));
    const before = Date.now();
    await ask('recorded', { temperature: 0.5 });
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0];
    expect(req).toMatchObject({ index: 0, method: 'POST', path: '/v1/chat/completions', body: { model: 'fake-model', temperature: 0.5 } });
    expect(req?.headers.authorization).toBe('Bearer k');
    expect(req?.time).toBeGreaterThanOrEqual(before);
    server.reset();
    expect(server.requests).toHaveLength(0);
  });

  it('refuses stream: true and bodies that are not JSON objects, lists models and 404s unknown routes', async () => {
    const err = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toContain('stream: false only');
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o-mini']);
    expect(await client.embeddings.create({ model: 'e', input: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(NotFoundError);
    for (const body of ['{not json', '[1]', 'null']) {
      const res = await fetch(`${server.url}/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('not a JSON object') } });
    }
  });

  it('checks the API key when given one', async () => {
    const guarded = await startFakeOpenAI({ apiKey: 'right', defaultReply: reply.text('ok') });
    try {
      const wrong = new OpenAI({ apiKey: 'wrong', baseURL: guarded.url, maxRetries: 0 });
      const right = new OpenAI({ apiKey: 'right', baseURL: guarded.url, maxRetries: 0 });
      expect(await wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)).toBeInstanceOf(AuthenticationError);
      expect((await right.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).choices[0]?.message.content).toBe('ok');
    } finally {
      await guarded.close();
    }
  });

  it('records nothing with record: false, and closes promptly with a delayed reply in flight', async () => {
    const quiet = await startFakeOpenAI({ record: false, defaultReply: reply.delayed(10_000, reply.text('never')) });
    const c2 = new OpenAI({ apiKey: 'k', baseURL: quiet.url, maxRetries: 0 });
    const inFlight = c2.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    await quiet.nthRequest(1); // the request reaches the server before it closes
    const t0 = performance.now();
    await quiet.close();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await inFlight).toBeInstanceOf(APIConnectionError);
    expect(quiet.requests).toHaveLength(0);
  });
});
