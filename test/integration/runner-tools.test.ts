import { createHmac } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/api/auth.ts';
import { CHANNELS } from '../../src/models/notify.ts';
import { reply } from '../support/fake-openai.ts';
import { startTestHttpServer, type TestHttpServer } from '../support/net.ts';
import { messagesOf, type RunnerHarness, startRunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;
let site: TestHttpServer;
let hookFailures = 0;

beforeAll(async () => {
  h = await startRunnerHarness();
  site = await startTestHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/news') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><script>steal()</script><h1>Top story</h1><p>Rates &amp; prices rose.</p></html>');
    } else if (url.pathname === '/api') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"price": 42}');
    } else if (url.pathname === '/to-loopback') {
      res.writeHead(302, { location: `http://127.0.0.1:${url.searchParams.get('port')}/secret` }).end();
    } else if (url.pathname === '/hook') {
      if (hookFailures > 0) {
        hookFailures--;
        res.writeHead(503).end('try later');
      } else {
        res.writeHead(204).end();
      }
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`posted: ${req.method}`);
    }
  });
});
afterEach(() => {
  h.fake.reset();
  h.net.connects.length = 0;
  h.clock.sleeps.length = 0;
});
afterAll(async () => {
  await site?.close();
  await h?.close();
});

const env = { HTTP_TOOL_ALLOWED_HOSTS: 'public.test' };
const fetchCall = (url: string, method = 'GET', body: string | null = null) => reply.toolCall('http_fetch', { url, method, body, contentType: body ? 'text/plain' : null });
const toolMessage = (req = 1, i = 3) => String(messagesOf(h.fake, req)[i].content);

describe('http_fetch', () => {
  it('returns readable text for HTML and JSON as it is', async () => {
    const task = await h.task({ tools: ['http_fetch'] });
    h.fake.script(fetchCall(`http://public.test:${site.port}/news`), fetchCall(`http://public.test:${site.port}/api`), reply.text('done'));
    const { result } = await h.runTask(h.runner(env), task);
    expect(result.status).toBe('succeeded');
    const page = JSON.parse(toolMessage(1, 3));
    expect(page).toMatchObject({ status: 200, contentType: 'text/html', text: 'Top story\n\nRates & prices rose.', truncated: false });
    expect(JSON.parse(toolMessage(2, 5))).toMatchObject({ status: 200, text: '{"price": 42}' });
  });

  it.each([
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/iam/',
    'http://100.64.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://loopback.test/',
    'file:///etc/passwd',
    'gopher://127.0.0.1:70/_stats',
  ])('refuses %s and tells the model, without opening a connection', async (url) => {
    const task = await h.task({ tools: ['http_fetch'] });
    h.fake.script(fetchCall(url), reply.text('could not fetch'));
    const { result, executionId } = await h.runTask(h.runner(env), task);
    expect(result.status).toBe('succeeded');
    expect(toolMessage()).toMatch(/^Error: http_fetch failed: refused: /);
    expect(h.net.connects).toEqual([]);
    expect((await h.steps(executionId))[1]?.data.error).toContain('refused');
  });

  it('refuses a redirect to loopback after fetching the allowed first hop', async () => {
    const task = await h.task({ tools: ['http_fetch'] });
    h.fake.script(fetchCall(`http://public.test:${site.port}/to-loopback?port=${site.port}`), reply.text('blocked'));
    await h.runTask(h.runner(env), task);
    expect(toolMessage()).toContain('refused: 127.0.0.1 is a loopback address');
    expect(site.paths.filter((p) => p === '/secret')).toEqual([]);
  });
});

describe('notify', () => {
  const secret = 'whsec-test-secret-0123456789';

  it('stores an in-app notification and skips an unchanged one when asked', async () => {
    const task = await h.task({ tools: ['notify'] });
    const n = { title: 'Price', message: 'BTC is 42', onlyIfChanged: true };
    h.fake.script(reply.toolCall('notify', n), reply.text('sent'), reply.toolCall('notify', { ...n, message: ' BTC is  42 ' }), reply.text('same'), reply.toolCall('notify', { ...n, message: 'BTC is 43' }), reply.text('changed'));
    const first = await h.runTask(h.runner(), task);
    await h.runTask(h.runner(), task);
    await h.runTask(h.runner(), task);
    const rows = await h.db.pool.query('select title, body, execution_id::text from notifications where task_id = $1 order by id', [task]);
    expect(rows.rows).toEqual([
      { title: 'Price', body: 'BTC is 42', execution_id: first.executionId },
      { title: 'Price', body: 'BTC is 43', execution_id: expect.any(String) },
    ]);
    expect(JSON.parse(toolMessage(3, 3))).toMatchObject({ delivered: false });
  });

  it('POSTs a signed body to the webhook, retrying with backoff until it succeeds', async () => {
    hookFailures = 2;
    const task = await h.task({ tools: ['notify'], webhookUrl: `http://public.test:${site.port}/hook`, webhookSecret: secret });
    const before = site.paths.length;
    h.fake.script(reply.toolCall('notify', { title: 'Hi', message: 'There', onlyIfChanged: false }), reply.text('ok'));
    await h.runTask(h.runner(env), task);
    expect(site.paths.slice(before)).toEqual(['/hook', '/hook', '/hook']);
    expect(h.clock.sleeps).toEqual([500, 1000]);
    const body = site.bodies.at(-1) as string;
    const headers = site.headers.at(-1) as Record<string, string>;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers['x-tickler-signature'] ?? '') ?? [];
    expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
    expect(headers['x-tickler-timestamp']).toBe(t);
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({ type: 'notification', notification: { title: 'Hi', body: 'There' }, task: { id: task } });
    expect(payload.deliveryId).toBe(headers['x-tickler-delivery']);
    expect(new Set(site.headers.slice(before).map((x) => x['x-tickler-delivery'])).size).toBe(1);
    const d = await h.db.pool.query('select status, attempts, response_status from webhook_deliveries where task_id = $1 and notification_id is not null', [task]);
    expect(d.rows).toEqual([{ status: 'delivered', attempts: 3, response_status: 204 }]);
    expect(JSON.parse(toolMessage())).toMatchObject({ delivered: true, webhook: { status: 'delivered', attempts: 3 } });
  });

  it('refuses a webhook on a private address unless allowlisted, keeping the notification', async () => {
    const task = await h.task({ tools: ['notify'], webhookUrl: 'http://10.0.0.1/hook', webhookSecret: secret });
    h.fake.script(reply.toolCall('notify', { title: 'Hi', message: 'private', onlyIfChanged: false }), reply.text('ok'));
    await h.runTask(h.runner(env), task);
    expect(h.net.connects).toEqual([]);
    const d = await h.db.pool.query('select status, attempts from webhook_deliveries where task_id = $1 and notification_id is not null', [task]);
    expect(d.rows).toEqual([{ status: 'refused', attempts: 1 }]);
    expect(toolMessage()).not.toContain('10.0.0.1');
    expect((await h.db.pool.query('select count(*)::int as n from notifications where task_id = $1', [task])).rows[0].n).toBe(1);
  });

  it('in a dry run, stores and posts nothing', async () => {
    const task = await h.task({ tools: ['notify'], webhookUrl: `http://public.test:${site.port}/hook`, webhookSecret: secret });
    const before = site.paths.length;
    h.fake.script(reply.toolCall('notify', { title: 'Hi', message: 'dry', onlyIfChanged: false }), reply.text('ok'));
    await h.runTask(h.runner(env), task, { dryRun: true });
    expect(site.paths.length).toBe(before);
    expect((await h.db.pool.query('select count(*)::int as n from notifications where task_id = $1', [task])).rows[0].n).toBe(0);
    expect(JSON.parse(toolMessage())).toMatchObject({ dryRun: true, wouldNotify: { message: 'dry' } });
  });
});

describe('create_reminder', () => {
  it('creates a one-off task for the same user in the task zone and tells the engines', async () => {
    const task = await h.task({ tools: ['create_reminder'], timezone: 'America/New_York' });
    const listener = new pg.Client({ connectionString: h.db.url });
    await listener.connect();
    const notes: string[] = [];
    listener.on('notification', (n) => notes.push(n.payload ?? ''));
    await listener.query(`listen ${CHANNELS.tasks}`);
    try {
      h.fake.script(reply.toolCall('create_reminder', { at: '2099-03-01T09:30:00', message: 'Renew the passport' }), reply.text('scheduled'));
      const { result } = await h.runTask(h.runner(), task);
      expect(result.status).toBe('succeeded');
      const out = JSON.parse(toolMessage());
      expect(out).toMatchObject({ created: true, at: '2099-03-01T14:30:00.000Z' });
      const row = (await h.db.pool.query('select user_id::text, name, schedule, timezone, tools, next_run_at::text from tasks where id = $1', [out.reminderTaskId])).rows[0];
      expect(row).toMatchObject({ user_id: h.userId, name: 'Reminder: Renew the passport', schedule: { kind: 'once', at: '2099-03-01T14:30:00.000Z' }, timezone: 'America/New_York', tools: ['notify'] });
      expect(new Date(row.next_run_at).toISOString()).toBe('2099-03-01T14:30:00.000Z');
      await expect.poll(() => notes.map((p) => JSON.parse(p))).toContainEqual({ id: out.reminderTaskId, op: 'created' });
    } finally {
      await listener.end();
    }
  });

  it('refuses a time in the past and a user at MAX_TASKS_PER_USER, telling the model', async () => {
    const other = await createUser(h.db.pool, 'full-user');
    const task = await h.task({ tools: ['create_reminder'], userId: other.id });
    await h.task({ userId: other.id });
    h.fake.script(
      reply.toolCalls([
        { name: 'create_reminder', arguments: { at: '2001-01-01T09:00:00', message: 'too late' } },
        { name: 'create_reminder', arguments: { at: '2099-01-01T09:00:00Z', message: 'no room' } },
      ]),
      reply.text('ok'),
    );
    const execution = await h.execution(task, { userId: other.id });
    await h.runner({ MAX_TASKS_PER_USER: '2' })({ execution, signal: new AbortController().signal });
    expect(toolMessage(1, 3)).toContain('is in the past');
    expect(toolMessage(1, 4)).toContain('MAX_TASKS_PER_USER');
    expect((await h.db.pool.query('select count(*)::int as n from tasks where user_id = $1', [other.id])).rows[0].n).toBe(2);
  });

  it('in a dry run, creates nothing', async () => {
    const task = await h.task({ tools: ['create_reminder'] });
    const count = async () => (await h.db.pool.query('select count(*)::int as n from tasks')).rows[0].n;
    const before = await count();
    h.fake.script(reply.toolCall('create_reminder', { at: '2099-01-01T09:00:00', message: 'x' }), reply.text('ok'));
    await h.runTask(h.runner(), task, { dryRun: true });
    expect(await count()).toBe(before);
    expect(JSON.parse(toolMessage())).toMatchObject({ dryRun: true, wouldCreateReminder: { at: '2099-01-01T09:00:00' } });
  });
});
