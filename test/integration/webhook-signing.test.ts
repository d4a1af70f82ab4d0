// End to end: a run's notify call posts to a real local receiver, which verifies every delivery
// with verifyWebhook (the helper receivers are given) and drops duplicates by X-Tickler-Delivery,
// as the README tells receivers to.
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.ts';
import { verifyWebhook, type VerifyWebhookResult } from '../../src/webhooks/verify.ts';
import { reply } from '../support/fake-openai.ts';
import { startTestHttpServer, type TestHttpServer } from '../support/net.ts';
import { type RunnerHarness, startRunnerHarness } from '../support/runner.ts';

const SECRET = 'whsec-e2e-receiver-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let h: RunnerHarness;
let receiver: TestHttpServer;
/** The receiver's own clock, in epoch ms; tests move it to replay a delivery later. */
let receiverNow = () => Date.now();
/** What the receiver answers after verifying, per attempt; then 204. */
let answers: number[] = [];
const verdicts: VerifyWebhookResult[] = [];
const processed: string[] = [];
const seenDeliveries = new Set<string>();

beforeAll(async () => {
  h = await startRunnerHarness();
  receiver = await startTestHttpServer((req, res, body) => {
    const verdict = verifyWebhook({ payload: body, header: req.headers['x-tickler-signature'], secret: SECRET, now: receiverNow() });
    verdicts.push(verdict);
    if (!verdict.ok) return void res.writeHead(400, { 'content-type': 'text/plain' }).end(verdict.message);
    const id = String(req.headers['x-tickler-delivery']);
    if (!seenDeliveries.has(id)) {
      seenDeliveries.add(id);
      processed.push(JSON.parse(body).notification.body);
    }
    res.writeHead(answers.shift() ?? 204).end();
  });
});
afterEach(() => {
  h.fake.reset();
  receiverNow = () => Date.now();
  answers = [];
  verdicts.length = 0;
  processed.length = 0;
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

const env = { HTTP_TOOL_ALLOWED_HOSTS: 'public.test' };
const hookUrl = () => `http://public.test:${receiver.port}/hook`;
const notify = (message: string) => reply.toolCall('notify', { title: 'Update', message, onlyIfChanged: false });
const deliveries = (task: string) =>
  h.db.pool.query('select delivery_id::text, status, attempts, response_status from webhook_deliveries where task_id = $1 and notification_id is not null order by id', [task]).then((r) => r.rows);

/** The last `n` requests the receiver got: raw body and headers, as a replay would resend them. */
const lastRequests = (n: number) => receiver.bodies.slice(-n).map((body, i) => ({ body, headers: receiver.headers.slice(-n)[i] as IncomingHttpHeaders }));

describe('webhook signing, end to end', () => {
  it('a run delivers a webhook the receiver verifies, with a unique delivery id recorded beside its outcome', async () => {
    const task = await h.task({ tools: ['notify'], webhookUrl: hookUrl(), webhookSecret: SECRET });
    h.fake.script(notify('BTC is 42'), reply.text('sent'));
    await h.runTask(h.runner(env), task);
    expect(verdicts).toEqual([{ ok: true, timestamp: expect.any(Number) }]);
    expect(processed).toEqual(['BTC is 42']);
    const [{ body, headers }] = lastRequests(1) as [{ body: string; headers: IncomingHttpHeaders }];
    const id = headers['x-tickler-delivery'];
    expect(id).toMatch(UUID);
    expect(JSON.parse(body).deliveryId).toBe(id);
    expect(headers['x-tickler-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await deliveries(task)).toEqual([{ delivery_id: id, status: 'delivered', attempts: 1, response_status: 204 }]);
  });

  it('every retry verifies and carries the same delivery id, so the receiver processes it once', async () => {
    // The receiver processed the first attempt but answered 503 (as if it timed out after its work).
    answers = [503];
    const task = await h.task({ tools: ['notify'], webhookUrl: hookUrl(), webhookSecret: SECRET });
    h.fake.script(notify('retried once'), reply.text('sent'));
    await h.runTask(h.runner(env), task);
    expect(verdicts.map((v) => v.ok)).toEqual([true, true]);
    const ids = lastRequests(2).map((r) => r.headers['x-tickler-delivery']);
    expect(new Set(ids).size).toBe(1);
    expect(processed).toEqual(['retried once']);
    expect(await deliveries(task)).toEqual([{ delivery_id: ids[0], status: 'delivered', attempts: 2, response_status: 204 }]);
  });

  it('signs each attempt when it is sent: retries long after the first still fall inside the window', async () => {
    // A clock on which every backoff sleep lasts ten minutes: the third attempt is 20 minutes late.
    let offset = 0;
    const clock: Clock = {
      ...systemClock,
      now: () => new Date(Date.now() + offset),
      sleep: async () => {
        offset += 10 * 60_000;
      },
    };
    receiverNow = () => Date.now() + offset;
    answers = [503, 503];
    const task = await h.task({ tools: ['notify'], webhookUrl: hookUrl(), webhookSecret: SECRET });
    h.fake.script(notify('late'), reply.text('sent'));
    await h.runTask(h.runner(env, { clock }), task);
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, true]);
    const [first, , third] = verdicts.map((v) => (v.ok ? v.timestamp : 0)) as [number, number, number];
    expect(third - first).toBeGreaterThanOrEqual(20 * 60 - 1);
  });

  it('a replayed delivery is refused once it is older than five minutes, and a tampered one at once', async () => {
    const task = await h.task({ tools: ['notify'], webhookUrl: hookUrl(), webhookSecret: SECRET });
    h.fake.script(notify('pay 10 EUR'), reply.text('sent'));
    await h.runTask(h.runner(env), task);
    const [captured] = lastRequests(1) as [{ body: string; headers: IncomingHttpHeaders }];
    const resend = async (body: string) => {
      const res = await fetch(`http://127.0.0.1:${receiver.port}/hook`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-tickler-signature': String(captured.headers['x-tickler-signature']), 'x-tickler-delivery': String(captured.headers['x-tickler-delivery']) },
      });
      return { status: res.status, text: await res.text() };
    };
    expect(await resend(captured.body.replace('10 EUR', '9000 EUR'))).toMatchObject({ status: 400, text: expect.stringContaining('no v1 signature matches') });
    receiverNow = () => Date.now() + 6 * 60_000;
    expect(await resend(captured.body)).toMatchObject({ status: 400, text: expect.stringContaining('outside the 300 s window') });
    expect(verdicts.map((v) => (v.ok ? 'ok' : v.reason))).toEqual(['ok', 'signature_mismatch', 'timestamp_outside_tolerance']);
    expect(processed).toEqual(['pay 10 EUR']);
  });

  it('a receiver holding another secret refuses the delivery, which is recorded as failed without retries', async () => {
    const task = await h.task({ tools: ['notify'], webhookUrl: hookUrl(), webhookSecret: 'whsec-not-the-receivers-0123456789' });
    h.fake.script(notify('wrong key'), reply.text('sent'));
    await h.runTask(h.runner(env), task);
    expect(verdicts).toMatchObject([{ ok: false, reason: 'signature_mismatch' }]);
    expect(processed).toEqual([]);
    expect(await deliveries(task)).toMatchObject([{ status: 'failed', attempts: 1, response_status: 400 }]);
  });
});
