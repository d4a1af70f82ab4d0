// A dry run sends nothing: no HTTP request of any kind (GETs and webhooks included), no DNS lookup,
// no socket. A real local server counts every connection and request it gets; the same script
// run for real is the control that shows the counter counts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.ts';
import { type RunnerHarness, type StepRecord, startRunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;
let server: Server;
let port = 0;
const seen = { connections: 0, requests: [] as string[] };

beforeAll(async () => {
  h = await startRunnerHarness();
  server = createServer((req, res) => {
    seen.requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(() => {
  h.fake.reset();
  h.net.connects.length = 0;
  h.net.lookups.length = 0;
  seen.connections = 0;
  seen.requests.length = 0;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
});

const env = { HTTP_TOOL_ALLOWED_HOSTS: 'public.test' };
const fetchCall = (url: string, method: 'GET' | 'POST' = 'GET', body: string | null = null) => ({
  name: 'http_fetch',
  arguments: { url, method, body, contentType: body === null ? null : 'application/json' },
});
const toolResults = (steps: StepRecord[]) => steps.filter((s) => s.kind === 'tool').map((s) => ({ ...s.data, result: s.data.result === null ? null : JSON.parse(s.data.result) }));

/** One step of every tool that can reach the network, then a final answer. */
function scriptEverything() {
  h.fake.script(
    reply.toolCalls([
      fetchCall(`http://public.test:${port}/page?q=1`),
      fetchCall(`http://bob:hunter2@public.test:${port}/submit`, 'POST', '{"a":1}'),
      { name: 'notify', arguments: { title: 'Hi', message: 'to the webhook', onlyIfChanged: false } },
    ]),
    reply.text('done'),
  );
}

describe('dry runs', () => {
  it('make no network request of any kind: no GET, no POST, no webhook, no DNS lookup', async () => {
    const task = await h.task({ tools: ['http_fetch', 'notify'], webhookUrl: `http://public.test:${port}/hook`, webhookSecret: 'whsec-dry-run-secret-0123' });
    scriptEverything();
    const { result, executionId } = await h.runTask(h.runner(env), task, { dryRun: true });
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual({ connections: 0, requests: [] });
    expect(h.net.lookups).toEqual([]);
    expect(h.net.connects).toEqual([]);
    const [get, post, notify] = toolResults(await h.steps(executionId));
    expect(get).toMatchObject({ dryRun: true, error: null, result: { dryRun: true, wouldFetch: { method: 'GET', url: `http://public.test:${port}/page?q=1`, bodyBytes: 0 } } });
    expect(get?.result.wouldFetch.headers).toMatchObject({ host: `public.test:${port}`, 'user-agent': expect.stringContaining('tickler') });
    expect(get?.result.wouldFetch.headers).not.toHaveProperty('content-type');
    expect(get?.result.wouldFetch).not.toHaveProperty('refused');
    // Credentials in a URL are never sent, so the record of what would be sent shows none.
    expect(post?.result.wouldFetch).toMatchObject({ method: 'POST', url: `http://public.test:${port}/submit`, bodyBytes: 7, headers: { 'content-type': 'application/json', 'content-length': '7' } });
    expect(JSON.stringify(post?.result)).not.toContain('hunter2');
    expect(notify).toMatchObject({ dryRun: true, result: { wouldNotify: { message: 'to the webhook' } } });
  });

  it('the same script run for real reaches the counting server (the control)', async () => {
    const task = await h.task({ tools: ['http_fetch', 'notify'], webhookUrl: `http://public.test:${port}/hook`, webhookSecret: 'whsec-dry-run-secret-0123' });
    scriptEverything();
    await h.runTask(h.runner(env), task);
    expect(seen.requests.sort()).toEqual(['GET /page?q=1', 'POST /hook', 'POST /submit']);
    expect(seen.connections).toBe(3);
  });

  it('say which requests the guard would refuse, from the URL alone', async () => {
    const task = await h.task({ tools: ['http_fetch'] });
    h.fake.script(reply.toolCalls([fetchCall('http://10.0.0.1/admin'), fetchCall('file:///etc/passwd'), fetchCall('http://private.test/')]), reply.text('done'));
    const { executionId } = await h.runTask(h.runner(), task, { dryRun: true });
    const [literal, file, name] = toolResults(await h.steps(executionId)).map((s) => s.result.wouldFetch);
    expect(literal.refused).toContain('10.0.0.1 is a private');
    expect(file.refused).toContain('only http and https');
    // A name is judged when it is resolved, and a dry run resolves nothing.
    expect(name).not.toHaveProperty('refused');
    expect(h.net.lookups).toEqual([]);
  });
});
