// Per-run tool limits when the model makes its calls in parallel: one assistant message with eight
// tool calls, run interleaved by the loop. Each test counts its own rows.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REMINDERS_PER_RUN } from '../../src/runner/tools/create-reminder.ts';
import { MAX_NOTIFICATIONS_PER_RUN } from '../../src/runner/tools/notify.ts';
import { reply } from '../support/fake-openai.ts';
import { messagesOf, type RunnerHarness, startRunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});
afterEach(() => h.fake.reset());
afterAll(async () => {
  await h?.close();
});

/** The tool messages the model read after its parallel step, in call order. */
const toolMessages = () =>
  messagesOf(h.fake, 1)
    .filter((m) => m.role === 'tool')
    .map((m) => String(m.content));
const count = async (sql: string, id: string) => (await h.db.pool.query<{ n: number }>(sql, [id])).rows[0]?.n;
const notifications = (task: string) => h.db.pool.query<{ body: string }>('select body from notifications where task_id = $1 order by id', [task]).then((r) => r.rows.map((x) => x.body));

describe('parallel tool calls in one step', () => {
  it('create_reminder: eight parallel calls create at most MAX_REMINDERS_PER_RUN tasks', async () => {
    const task = await h.task({ tools: ['create_reminder'] });
    const calls = Array.from({ length: 8 }, (_, i) => ({ name: 'create_reminder', arguments: { at: `2099-01-0${i + 1}T09:00:00`, message: `reminder ${i}` } }));
    h.fake.script(reply.toolCalls(calls), reply.text('done'));
    const { result } = await h.runTask(h.runner(), task);
    expect(result.status).toBe('succeeded');
    expect(await count(`select count(*)::int as n from tasks where user_id = $1 and name like 'Reminder: reminder %'`, h.userId)).toBe(MAX_REMINDERS_PER_RUN);
    const out = toolMessages();
    expect(out).toHaveLength(8);
    expect(out.filter((m) => m.includes('"created":true'))).toHaveLength(MAX_REMINDERS_PER_RUN);
    expect(out.filter((m) => m.includes(`at most ${MAX_REMINDERS_PER_RUN} reminders per run`))).toHaveLength(8 - MAX_REMINDERS_PER_RUN);
  });

  it('create_reminder: calls refused before the insert leave their places to the others', async () => {
    const task = await h.task({ tools: ['create_reminder'] });
    const calls = [
      { name: 'create_reminder', arguments: { at: '2001-01-01T09:00:00', message: 'late a' } },
      { name: 'create_reminder', arguments: { at: '2001-01-01T09:00:00', message: 'late b' } },
      ...Array.from({ length: 6 }, (_, i) => ({ name: 'create_reminder', arguments: { at: `2099-02-0${i + 1}T09:00:00`, message: `kept ${i}` } })),
    ];
    h.fake.script(reply.toolCalls(calls), reply.text('done'));
    await h.runTask(h.runner(), task);
    expect(await count(`select count(*)::int as n from tasks where user_id = $1 and name like 'Reminder: kept %'`, h.userId)).toBe(MAX_REMINDERS_PER_RUN);
    const out = toolMessages();
    expect(out.slice(0, 2).every((m) => m.includes('is in the past'))).toBe(true);
    expect(out.filter((m) => m.includes('"created":true'))).toHaveLength(MAX_REMINDERS_PER_RUN);
  });

  it('notify with onlyIfChanged: eight parallel distinct messages store at most MAX_NOTIFICATIONS_PER_RUN', async () => {
    const task = await h.task({ tools: ['notify'] });
    const calls = Array.from({ length: 8 }, (_, i) => ({ name: 'notify', arguments: { title: 'Price', message: `BTC is ${40 + i}`, onlyIfChanged: true } }));
    h.fake.script(reply.toolCalls(calls), reply.text('done'));
    await h.runTask(h.runner(), task);
    expect(await notifications(task)).toHaveLength(MAX_NOTIFICATIONS_PER_RUN);
    const out = toolMessages();
    expect(out.filter((m) => m.includes('"delivered":true'))).toHaveLength(MAX_NOTIFICATIONS_PER_RUN);
    expect(out.filter((m) => m.includes(`at most ${MAX_NOTIFICATIONS_PER_RUN} notifications per run`))).toHaveLength(8 - MAX_NOTIFICATIONS_PER_RUN);
  });

  it('notify without onlyIfChanged: eight parallel calls store at most MAX_NOTIFICATIONS_PER_RUN', async () => {
    const task = await h.task({ tools: ['notify'] });
    const calls = Array.from({ length: 8 }, (_, i) => ({ name: 'notify', arguments: { title: 'Tick', message: `tick ${i}`, onlyIfChanged: false } }));
    h.fake.script(reply.toolCalls(calls), reply.text('done'));
    await h.runTask(h.runner(), task);
    expect(await notifications(task)).toHaveLength(MAX_NOTIFICATIONS_PER_RUN);
  });

  it('notify with onlyIfChanged: identical parallel messages are delivered once', async () => {
    const task = await h.task({ tools: ['notify'] });
    const calls = Array.from({ length: 8 }, (_, i) => ({ name: 'notify', arguments: { title: 'Price', message: i % 2 ? ' BTC  is 42 ' : 'BTC is 42', onlyIfChanged: true } }));
    h.fake.script(reply.toolCalls(calls), reply.text('done'));
    await h.runTask(h.runner(), task);
    expect(await notifications(task)).toEqual(['BTC is 42']);
    const out = toolMessages();
    expect(out[0]).toContain('"delivered":true');
    expect(out.slice(1).every((m) => m.includes('"delivered":false') && m.includes('unchanged'))).toBe(true);
  });

  it('notify with onlyIfChanged: unchanged calls take no place from changed ones in the same step', async () => {
    const task = await h.task({ tools: ['notify'] });
    h.fake.script(reply.toolCall('notify', { title: 'Price', message: 'BTC is 42', onlyIfChanged: false }), reply.text('first'));
    await h.runTask(h.runner(), task);
    h.fake.reset();
    const messages = ['BTC is 42', 'BTC is 42', 'BTC is 42', 'BTC is 1', 'BTC is 2', 'BTC is 3', 'BTC is 4', 'BTC is 5'];
    h.fake.script(reply.toolCalls(messages.map((message) => ({ name: 'notify', arguments: { title: 'Price', message, onlyIfChanged: true } }))), reply.text('done'));
    await h.runTask(h.runner(), task);
    expect((await notifications(task)).sort()).toEqual(['BTC is 1', 'BTC is 2', 'BTC is 3', 'BTC is 4', 'BTC is 42', 'BTC is 5']);
  });
});
