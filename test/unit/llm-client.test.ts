import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { classifyLlmError, createLlm, type Llm } from '../../src/llm/client.ts';
import { type FakeOpenAI, type FakeReply, reply, startFakeOpenAI } from '../support/fake-openai.ts';

let server: FakeOpenAI;
let llm: Llm;

beforeAll(async () => {
  server = await startFakeOpenAI();
  llm = createLlm(loadConfig({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'test-key', OPENAI_MODEL: 'test-model', OPENAI_TIMEOUT_MS: '300' }).openai);
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** The error the real client throws for one scripted reply, as classified. */
async function classified(r: FakeReply, signal?: AbortSignal) {
  if (!llm.configured) throw new Error('test setup: llm not configured');
  server.script(r);
  const err = await llm.client.chat.completions.create({ model: llm.model, messages: [{ role: 'user', content: 'x' }] }, signal ? { signal } : {}).then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  return classifyLlmError(err);
}

describe('createLlm', () => {
  it('is not configured, and has no client, without a key or a base URL', () => {
    const off = createLlm(loadConfig({}).openai);
    expect(off.configured).toBe(false);
    expect(off.client).toBeNull();
  });

  it('builds a client from a base URL alone (local servers need no key)', () => {
    const local = createLlm(loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).openai);
    expect(local.configured).toBe(true);
    expect(local.client?.baseURL).toBe('http://127.0.0.1:11434/v1');
  });

  it('takes the timeout from config and turns SDK retries off', () => {
    expect(llm.configured).toBe(true);
    expect(llm.client?.timeout).toBe(300);
    expect(llm.client?.maxRetries).toBe(0);
    expect(llm.model).toBe('test-model');
  });

  it('makes exactly one request for a 500: retries belong to the engine', async () => {
    expect((await classified(reply.serverError())).type).toBe('server');
    expect(server.requests).toHaveLength(1);
  });
});

describe('classifyLlmError', () => {
  it('reads a 429 as transient rate limiting and keeps retry-after', async () => {
    expect(await classified(reply.rateLimited(2))).toMatchObject({ type: 'rate_limited', transient: true, status: 429, retryAfterMs: 2000, message: 'the language model is rate-limited; try again shortly' });
  });

  it('reads a 429 for exhausted quota as permanent', async () => {
    const quota = reply.error(429, 'You exceeded your current quota', { code: 'insufficient_quota', type: 'insufficient_quota' });
    expect(await classified(quota)).toMatchObject({ type: 'rate_limited', transient: false, status: 429 });
  });

  it('reads 5xx as transient server failures', async () => {
    expect(await classified(reply.serverError(503))).toMatchObject({ type: 'server', transient: true, status: 503 });
  });

  it('reads 401 and 403 as permanent auth failures without echoing the upstream text', async () => {
    const info = await classified(reply.unauthorized());
    expect(info).toMatchObject({ type: 'auth', transient: false, status: 401 });
    expect(info.message).toContain('OPENAI_API_KEY');
    expect(info.message).not.toContain('Incorrect API key');
    expect(info.detail).toContain('Incorrect API key');
    expect(await classified(reply.error(403, 'forbidden'))).toMatchObject({ type: 'auth', transient: false, status: 403 });
  });

  it('reads a 404 as a permanent configuration problem naming what to check', async () => {
    const info = await classified(reply.modelNotFound('test-model'));
    expect(info).toMatchObject({ type: 'not_found', transient: false, status: 404 });
    expect(info.message).toContain('OPENAI_MODEL');
  });

  it('reads other 4xx as permanent bad requests', async () => {
    expect(await classified(reply.error(400, 'bad'))).toMatchObject({ type: 'bad_request', transient: false, status: 400 });
  });

  it('reads a client timeout and a dropped connection as transient', async () => {
    expect(await classified(reply.delayed(1_000, reply.text('late')))).toMatchObject({ type: 'timeout', transient: true });
    expect(await classified(reply.drop())).toMatchObject({ type: 'network', transient: true });
  });

  it('reads a reply cut off mid-body as transient, never as the half that arrived', async () => {
    const info = await classified(reply.cut());
    expect(info.transient).toBe(true);
    expect(['network', 'server']).toContain(info.type);
  });

  it('reads a caller abort as aborted, not retried', async () => {
    expect(await classified(reply.delayed(1_000, reply.text('late')), AbortSignal.timeout(50))).toMatchObject({ type: 'aborted', transient: false });
  });

  it('reads a JSON body that does not parse as a transient server fault', async () => {
    expect(await classified(reply.raw(200, '<html>bad gateway', { 'content-type': 'application/json' }))).toMatchObject({ type: 'server', transient: true });
  });

  it('reads anything else as unknown and permanent', () => {
    expect(classifyLlmError(new Error('weird'))).toMatchObject({ type: 'unknown', transient: false, detail: 'weird' });
    expect(classifyLlmError('a string')).toMatchObject({ type: 'unknown', transient: false });
  });
});
