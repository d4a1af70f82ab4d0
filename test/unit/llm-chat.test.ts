// The run's lean chat sender (src/llm/chat.ts) against the same fake server as the SDK client: every
// reply, success or failure, must come out the way the SDK's create() gives it, so the runner's
// classification and results cannot tell the two paths apart.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createChatSender } from '../../src/llm/chat.ts';
import { classifyLlmError, createLlm, type Llm } from '../../src/llm/client.ts';
import { type FakeOpenAI, type FakeReply, reply, startFakeOpenAI } from '../support/fake-openai.ts';

let server: FakeOpenAI;
let llm: Extract<Llm, { configured: true }>;

beforeAll(async () => {
  server = await startFakeOpenAI({ apiKey: 'test-key' });
  const made = createLlm(loadConfig({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'test-key', OPENAI_MODEL: 'test-model', OPENAI_TIMEOUT_MS: '300' }).openai);
  if (!made.configured) throw new Error('test setup: llm not configured');
  llm = made;
});
afterEach(() => server.reset());
afterAll(() => server.close());

const body = { model: 'test-model', messages: [{ role: 'user' as const, content: 'x' }] };

/** Both paths' outcome for one scripted reply: the value, or the classified error. */
async function both(r: FakeReply, signal?: () => AbortSignal) {
  server.script(r, r);
  const sdk = await llm.client.chat.completions.create(body, { timeout: 300, ...(signal ? { signal: signal() } : {}) }).then(
    (v) => ({ ok: true as const, v: JSON.parse(JSON.stringify(v)) as unknown }),
    (e: unknown) => ({ ok: false as const, e: classifyLlmError(e) }),
  );
  const lean = await llm.chat.send(JSON.stringify(body), { timeoutMs: 300, ...(signal ? { signal: signal() } : {}) }).then(
    (v) => ({ ok: true as const, v: v as unknown }),
    (e: unknown) => ({ ok: false as const, e: classifyLlmError(e) }),
  );
  return { sdk, lean };
}

const shape = (x: Awaited<ReturnType<typeof both>>['sdk']) => (x.ok ? x : { ok: false, e: { ...x.e, detail: undefined } });

describe('the lean chat sender', () => {
  it('returns the completion the SDK returns, in one request carrying the key and the body as given', async () => {
    const { sdk, lean } = await both(reply.toolCall('memory_get', { key: 'k' }));
    expect(lean.ok).toBe(true);
    // The fake numbers its replies and stamps them with the second they were made: the second reply differs
    // from the first in those only (the two can straddle a second boundary).
    const unnumbered = (x: unknown) =>
      JSON.parse(JSON.stringify(x).replace(/chatcmpl-fake-\d+|call_\d+_/g, '#').replace(/"created":\d+/g, '"created":0'));
    expect(unnumbered(lean)).toEqual(unnumbered(sdk));
    expect(server.requests).toHaveLength(2);
    const sent = server.requests[1];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer test-key');
    expect(sent?.body).toEqual(body);
  });

  it.each([
    ['429 with retry-after', reply.rateLimited(2)],
    ['429 out of quota', reply.error(429, 'You exceeded your current quota', { code: 'insufficient_quota', type: 'insufficient_quota' })],
    ['503', reply.serverError(503)],
    ['401', reply.unauthorized()],
    ['403', reply.error(403, 'forbidden')],
    ['404', reply.modelNotFound('test-model')],
    ['400', reply.error(400, 'bad')],
    ['a timeout', reply.delayed(1_000, reply.text('late'))],
    ['a dropped connection', reply.drop()],
    ['a JSON body that does not parse', reply.raw(200, '<html>bad gateway', { 'content-type': 'application/json' })],
    ['a reply that is not JSON', reply.raw(200, 'plain', { 'content-type': 'text/plain' })],
  ])('fails (or not) exactly as the SDK does for %s', async (_name, r) => {
    const { sdk, lean } = await both(r);
    expect(shape(lean)).toEqual(shape(sdk));
  });

  it('reads a reply cut off mid-body as transient, never as the half that arrived', async () => {
    const { lean } = await both(reply.cut());
    expect(lean.ok).toBe(false);
    if (!lean.ok) expect(lean.e.transient).toBe(true);
  });

  it('reads a caller abort as aborted, and an already aborted signal sends nothing', async () => {
    const { sdk, lean } = await both(reply.delayed(1_000, reply.text('late')), () => AbortSignal.timeout(50));
    expect(shape(lean)).toEqual(shape(sdk));
    expect(lean).toMatchObject({ ok: false, e: { type: 'aborted', transient: false } });
    server.reset();
    const err = await llm.chat.send('{}', { timeoutMs: 300, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(classifyLlmError(err).type).toBe('aborted');
    expect(server.requests).toHaveLength(0);
  });

  it('counts the requests that wait for a connection, and says when none does', async () => {
    const sender = createChatSender({ baseURL: server.url, apiKey: 'test-key', maxSockets: 1 });
    try {
      server.script(reply.delayed(100, reply.text('a')), reply.text('b'), reply.text('c'));
      expect(sender.unsent()).toBe(0);
      await sender.drained(); // none waits: at once
      const sends = ['a', 'b', 'c'].map(() => sender.send(JSON.stringify(body), { timeoutMs: 5_000 }));
      // One connection: the first request is on it (the server has it), the two others wait for it.
      await server.nthRequest(1);
      expect(sender.unsent()).toBe(2);
      let drained = false;
      const wait = sender.drained().then(() => {
        drained = true;
      });
      expect(drained).toBe(false);
      const replies = await Promise.all(sends);
      await wait;
      expect(drained).toBe(true);
      expect(sender.unsent()).toBe(0);
      expect(replies.map((r) => r.choices[0]?.message.content)).toEqual(['a', 'b', 'c']);
      // A request that times out while it waits for the connection leaves the count, and is never sent.
      server.script(reply.delayed(300, reply.text('slow')));
      const slow = sender.send(JSON.stringify(body), { timeoutMs: 5_000 });
      await server.nthRequest(4);
      const late = sender.send(JSON.stringify(body), { timeoutMs: 20 });
      expect(sender.unsent()).toBe(1);
      expect(classifyLlmError(await late.catch((e: unknown) => e)).type).toBe('timeout');
      expect(sender.unsent()).toBe(0);
      await slow;
      // Proves an absence (the timed-out request never goes out once the connection is free), so no
      // event to await: the connection has been free for this long, ample for a send already queued.
      await new Promise((r) => setTimeout(r, 50));
      expect(server.requests).toHaveLength(4);
    } finally {
      await sender.close();
    }
  });
});
