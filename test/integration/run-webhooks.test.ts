// Run webhooks end to end: a real engine records finishes on a real PostgreSQL (the executions
// trigger enqueues the deliveries in the same statement), the dispatcher POSTs them through the
// SSRF guard to a real local receiver that verifies each signature with verifyWebhook and drops
// duplicates by X-Tickler-Delivery. Time moves only on manual clocks: retries are driven by
// advancing the dispatcher's clock and awaiting its events.
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunWebhookBody } from '../../src/api/schemas.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import { recordSkips } from '../../src/scheduler/record.ts';
import type { RunResult } from '../../src/scheduler/runner-port.ts';
import { createRunWebhookDispatcher, type RunWebhookDispatcher } from '../../src/webhooks/run-dispatcher.ts';
import type { RetryPolicy } from '../../src/webhooks/send.ts';
import { verifyWebhook } from '../../src/webhooks/verify.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { advanceEngineTo, insertTasks, queueRun, recordedFinishes, recordingRunner, startEngine } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { startTestHttpServer, type TestHttpServer, testNet } from '../support/net.ts';

const SECRET = 'whsec-run-webhooks-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 4_000, timeoutMs: 3_000 };
const POLL_MS = 500;
const USAGE = { promptTokens: 120, completionTokens: 30, llmCalls: 2, toolCalls: 1 };

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
let user: { id: string; apiKey: string };
let receiver: TestHttpServer;
/** What the receiver answers per request after verifying, in order; then 204. */
let answers: number[] = [];
const received: Array<{ ok: boolean; deliveryId: string; body: any }> = [];
/** Bodies the receiver acted on: one per delivery id, as a receiver that dedupes does. */
const processed = new Map<string, any>();
const engines: Engine[] = [];
const dispatchers: RunWebhookDispatcher[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(10);
  app = await startTestApp(db);
  user = await app.user('hooks');
  receiver = await startTestHttpServer((req, res, body) => {
    const verdict = verifyWebhook({ payload: body, header: req.headers['x-tickler-signature'], secret: SECRET });
    const deliveryId = String(req.headers['x-tickler-delivery']);
    received.push({ ok: verdict.ok, deliveryId, body: JSON.parse(body) });
    if (!verdict.ok) return void res.writeHead(400).end(verdict.message);
    if (!processed.has(deliveryId)) processed.set(deliveryId, JSON.parse(body));
    res.writeHead(answers.shift() ?? 204).end();
  });
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop(0)));
  await Promise.all(dispatchers.splice(0).map((d) => d.stop()));
  await db.pool.query('delete from tasks');
  answers = [];
  received.length = 0;
  processed.clear();
});

afterAll(async () => {
  await receiver?.close();
  await app?.close();
  await tdb?.drop();
});

const hookUrl = () => `http://public.test:${receiver.port}/hook`;

function dispatcher(clock: ManualClock): RunWebhookDispatcher {
  const d = createRunWebhookDispatcher({
    pool: db.pool,
    clock,
    logger: createLogger('silent', false),
    http: { deps: testNet().deps, allowedHosts: ['public.test'] },
    policy: POLICY,
    pollMs: POLL_MS,
  });
  dispatchers.push(d);
  return d;
}

/** A one-off task due 1.5 s after `clock`'s now, with the webhook set as the API would store it. */
async function hookedTask(clock: ManualClock, opts: { events?: string[] | null; url?: string } = {}) {
  const at = new Date(clock.now().getTime() + 1500);
  const [id] = (await insertTasks(db, user.id, [{ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at }])) as [string];
  await db.pool.query('update tasks set webhook_url = $2, webhook_secret = $3, webhook_events = $4 where id = $1', [id, opts.url ?? hookUrl(), SECRET, opts.events ?? null]);
  return { id, at };
}

/** Runs the task's one fire on a real engine answering `result`; resolves once its finish is recorded. */
async function runOnce(clock: ManualClock, task: { at: Date }, result: RunResult): Promise<void> {
  const { run } = recordingRunner(() => result, clock);
  const e = await startEngine(db, run, { clock });
  const recorded = recordedFinishes(e, 1);
  await advanceEngineTo(clock, e, task.at);
  await recorded;
  // Stopped at once: the next task of the test is then run by its own engine, not this one.
  await e.stop(0);
}

const ok: RunResult = { status: 'succeeded', output: 'BTC is 42', usage: USAGE };
const failed: RunResult = { status: 'failed', error: { type: 'tool', message: 'the page was down' }, transient: false, usage: USAGE };

const rowsOf = (taskId: string) =>
  db.pool
    .query('select delivery_id::text, event, status, attempts, response_status, error, delivered_at is not null as delivered from webhook_deliveries where task_id = $1 order by id', [taskId])
    .then((r) => r.rows);

describe('run webhooks', () => {
  it('a succeeded run is delivered once, signed, with its id, status, instants, output and usage, and shows in GET /api/executions/:id', async () => {
    const clock = new ManualClock();
    const task = await hookedTask(clock);
    await runOnce(clock, task, ok);
    const d = dispatcher(clock);
    const attempts = await d.drain();
    expect(attempts.map((a) => a.status)).toEqual(['delivered']);
    expect(received).toHaveLength(1);
    const [got] = received as [(typeof received)[number]];
    expect(got.ok).toBe(true);
    expect(got.deliveryId).toMatch(UUID);
    const { rows } = await db.pool.query('select id::text from executions where task_id = $1', [task.id]);
    const executionId = rows[0].id as string;
    expect(got.body).toEqual({
      type: 'execution.finished',
      deliveryId: got.deliveryId,
      event: 'succeeded',
      execution: {
        id: executionId,
        taskId: task.id,
        status: 'succeeded',
        trigger: 'schedule',
        attempt: 1,
        scheduledFor: task.at.toISOString(),
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        output: 'BTC is 42',
        error: null,
        usage: { promptTokens: 120, completionTokens: 30, totalTokens: 150, llmCalls: 2, toolCalls: 1 },
      },
    });
    // The body is what the OpenAPI document's RunWebhook schema promises.
    expect(RunWebhookBody.safeParse(got.body).success).toBe(true);
    // Nothing is left to send: a second drain sends nothing.
    expect(await d.drain()).toEqual([]);
    expect(received).toHaveLength(1);
    const res = await app.request('GET', `/api/executions/${executionId}`, { key: user.apiKey });
    expect(res.status, res.text).toBe(200);
    const spec = await app.request('GET', '/openapi.json');
    expect(spec.body.components.schemas.RunWebhook.properties.execution.required).toContain('usage');
    expect(res.body.webhookDeliveries).toEqual([
      {
        deliveryId: got.deliveryId,
        event: 'succeeded',
        status: 'delivered',
        attempts: 1,
        responseStatus: 204,
        error: null,
        nextAttemptAt: null,
        deliveredAt: expect.any(String),
        createdAt: expect.any(String),
      },
    ]);
  });

  it('a receiver answering 500 then 200 gets the same delivery id again after the backoff, and processes it once', async () => {
    const clock = new ManualClock();
    const task = await hookedTask(clock);
    await runOnce(clock, task, failed);
    answers = [500, 200];
    const d = dispatcher(clock);
    expect((await d.drain()).map((a) => a.status)).toEqual(['pending']);
    expect(await rowsOf(task.id)).toMatchObject([{ event: 'failed', status: 'pending', attempts: 1, response_status: 500, error: 'the webhook answered HTTP 500' }]);
    // Not due before its backoff (at least 80% of the 1 s base): nothing is sent.
    await clock.advance(799);
    expect(await d.drain()).toEqual([]);
    expect(received).toHaveLength(1);
    await clock.advance(201);
    expect((await d.drain()).map((a) => a.status)).toEqual(['delivered']);
    expect(received.map((r) => r.ok)).toEqual([true, true]);
    expect(new Set(received.map((r) => r.deliveryId)).size).toBe(1);
    expect(processed.size).toBe(1);
    expect([...processed.values()][0]).toMatchObject({ event: 'failed', execution: { status: 'failed', output: null, error: { type: 'tool', message: 'the page was down' } } });
    expect(await rowsOf(task.id)).toMatchObject([{ status: 'delivered', attempts: 2, response_status: 200, error: null, delivered: true }]);
  });

  it('the polling loop retries on its clock and gives up after the policy attempts, recorded failed', async () => {
    const clock = new ManualClock();
    const task = await hookedTask(clock);
    await runOnce(clock, task, ok);
    answers = [503, 503, 503, 503];
    const d = dispatcher(clock);
    const attempted: string[] = [];
    d.events.on('attempted', (xs) => attempted.push(...xs.map((x) => x.status)));
    const first = once(d.events, 'polled');
    d.start();
    await first;
    expect(attempted).toEqual(['pending']);
    // Backoffs of at most 1 s then 2 s: every poll is awaited; 20 polls (10 s of clock) is far more than needed.
    for (let i = 0; i < 20 && attempted.length < POLICY.attempts; i++) {
      const polled = once(d.events, 'polled');
      await clock.advance(POLL_MS);
      await polled;
    }
    expect(attempted).toEqual(['pending', 'pending', 'failed']);
    expect(received).toHaveLength(3);
    expect(await rowsOf(task.id)).toMatchObject([{ status: 'failed', attempts: 3, response_status: 503, delivered: false }]);
    // Given up: more time sends nothing more.
    const polled = once(d.events, 'polled');
    await clock.advance(10_000);
    await polled;
    expect(received).toHaveLength(3);
  });

  it('webhookEvents filters: a task listening for failures hears nothing of a success', async () => {
    const clock = new ManualClock();
    const quiet = await hookedTask(clock, { events: ['failed'] });
    await runOnce(clock, quiet, ok);
    expect(await rowsOf(quiet.id)).toEqual([]);
    // A fresh clock at the real now: the engine claims fires against the database's now().
    const clock2 = new ManualClock();
    const loud = await hookedTask(clock2, { events: ['failed'] });
    await runOnce(clock2, loud, failed);
    expect(await rowsOf(loud.id)).toMatchObject([{ event: 'failed', status: 'pending' }]);
    expect((await dispatcher(clock2).drain()).map((a) => a.status)).toEqual(['delivered']);
    expect(received.map((r) => r.body.execution.taskId)).toEqual([loud.id]);
  });

  it('a fire missed under the skip misfire policy, a skipped fire and a cancelled run each produce a delivery', async () => {
    const clock = new ManualClock();
    const past = new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000 - 120_000);
    const [missedTask] = (await insertTasks(db, user.id, [{ schedule: { kind: 'once', at: past.toISOString() }, nextRunAt: past, misfirePolicy: 'skip' }])) as [string];
    const [other] = (await insertTasks(db, user.id, [{ schedule: { kind: 'cron', cron: '0 0 1 1 *' }, nextRunAt: new Date('2099-01-01T00:00:00Z') }])) as [string];
    await db.pool.query('update tasks set webhook_url = $2, webhook_secret = $3 where id = any($1::bigint[])', [[missedTask, other], hookUrl(), SECRET]);
    // The engine's start-up sync applies the misfire policy: one `missed` record.
    const { run, calls } = recordingRunner(undefined, clock);
    engines.push(await startEngine(db, run, { clock }));
    expect(calls).toHaveLength(0);
    // A fire skipped by overlap, recorded by the engine's own statement.
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, owner, epoch) values ($1, $2, 'queued', 'schedule', now() - interval '1 second', 'test-owner', 1) returning id::text as id`,
      [other, user.id],
    );
    await recordSkips(db.pool, 'test-owner', [{ id: (rows[0] as { id: string }).id, epoch: 1 }]);
    // A queued manual run cancelled through the API.
    const manual = await queueRun(db, other, user.id);
    const cancel = await app.request('POST', `/api/executions/${manual}/cancel`, { key: user.apiKey });
    expect(cancel.status).toBe(200);
    const sent = await dispatcher(clock).drain();
    expect(sent.map((a) => a.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(received.every((r) => r.ok)).toBe(true);
    expect(received.map((r) => r.body.event).sort()).toEqual(['cancelled', 'missed', 'skipped']);
    const missed = received.find((r) => r.body.event === 'missed');
    expect(missed?.body.execution).toMatchObject({ taskId: missedTask, status: 'missed', scheduledFor: past.toISOString(), startedAt: null, error: { message: expect.stringMatching(/missed 1 fire/) } });
  });

  it('refuses a webhook on a loopback address (the SSRF guard) and records why, without sending', async () => {
    const clock = new ManualClock();
    const task = await hookedTask(clock, { url: `http://127.0.0.1:${receiver.port}/hook` });
    await runOnce(clock, task, ok);
    expect((await dispatcher(clock).drain()).map((a) => a.status)).toEqual(['refused']);
    expect(received).toHaveLength(0);
    expect(await rowsOf(task.id)).toMatchObject([{ status: 'refused', attempts: 1, error: expect.stringMatching(/^refused: /) }]);
  });

  it('a dry run sends no webhook, and a finish is enqueued once whatever writes it again', async () => {
    const clock = new ManualClock();
    const task = await hookedTask(clock);
    await db.pool.query(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, dry_run, finished_at) values ($1, $2, 'succeeded', 'manual', now(), true, now())`,
      [task.id, user.id],
    );
    expect(await rowsOf(task.id)).toEqual([]);
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into executions (task_id, user_id, status, trigger, scheduled_for, finished_at) values ($1, $2, 'failed', 'manual', now() + interval '1 second', now()) returning id::text as id`,
      [task.id, user.id],
    );
    // The same status written again (not a new finish) enqueues nothing more.
    await db.pool.query(`update executions set status = 'failed' where id = $1`, [(rows[0] as { id: string }).id]);
    expect(await rowsOf(task.id)).toMatchObject([{ event: 'failed', status: 'pending' }]);
  });

  it('accepts webhookEvents on a task through the API and names the field when it is wrong', async () => {
    const base = { name: 'watch', prompt: 'Check the page', schedule: { cron: '0 9 * * *' }, timezone: 'UTC', webhookUrl: 'https://hooks.example.com/x', webhookSecret: SECRET };
    const created = await app.request('POST', '/api/tasks', { key: user.apiKey, body: { ...base, webhookEvents: ['failed', 'missed'] } });
    expect(created.status).toBe(201);
    expect(created.body.webhookEvents).toEqual(['failed', 'missed']);
    const all = await app.request('POST', '/api/tasks', { key: user.apiKey, body: base });
    expect(all.body.webhookEvents).toEqual(['succeeded', 'failed', 'cancelled', 'skipped', 'missed']);
    const patched = await app.request('PATCH', `/api/tasks/${created.body.id}`, { key: user.apiKey, body: { webhookEvents: ['succeeded'] } });
    expect(patched.status).toBe(200);
    expect(patched.body.webhookEvents).toEqual(['succeeded']);
    const bad = await app.request('POST', '/api/tasks', { key: user.apiKey, body: { ...base, webhookEvents: ['finished'] } });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.errors[0].path).toBe('webhookEvents.0');
  });
});
