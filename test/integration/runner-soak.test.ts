import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/runner/tools/index.ts';
import { defineTool, type Tool } from '../../src/runner/tools/types.ts';
import type { RunResult } from '../../src/scheduler/runner-port.ts';
import { type FakeReply, type FakeRequest, reply } from '../support/fake-openai.ts';
import { type RunnerHarness, startRunnerHarness } from '../support/runner.ts';
import { mulberry32 } from '../support/prng.ts';

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});
afterAll(() => h?.close());

const RUNS = 1_000;
const CONCURRENCY = 50;

describe('soak', () => {
  it(`survives ${RUNS} runs with random faults: every execution ends terminal, nothing escapes`, async () => {
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
    // A tool that fails half the time, as a flaky integration would.
    const flaky = defineTool({
      name: 'notify',
      description: 'flaky',
      parameters: z.object({ title: z.string(), message: z.string(), onlyIfChanged: z.boolean() }),
      async run() {
        await new Promise((r) => setTimeout(r, random() * 5)); // the tool's own (seeded) latency, not a wait
        if (random() < 0.5) throw new Error('flaky tool failed');
        return { ok: true };
      },
    });
    const tools = new Map<string, Tool>([...TOOLS, ['notify', flaky]]);

    const toolCall = (): FakeReply =>
      pick<FakeReply>([
        reply.toolCall('memory_set', { key: `k${Math.floor(random() * 5)}`, value: 'v'.repeat(Math.floor(random() * 100)) }),
        reply.toolCall('memory_get', { key: 'k1' }),
        reply.toolCall('notify', { title: 't', message: 'm', onlyIfChanged: false }),
        reply.toolCall('memory_get', '{"key": '),
        reply.toolCall('memory_set', { key: 42 }),
        reply.toolCall('rm_rf', {}),
        reply.toolCall('http_fetch', { url: 'http://169.254.169.254/', method: 'GET', body: null, contentType: null }),
        reply.toolCalls([
          { name: 'memory_get', arguments: { key: 'k2' } },
          { name: 'notify', arguments: { title: 'a', message: 'b', onlyIfChanged: true } },
        ]),
      ]);
    const fault = (): FakeReply =>
      pick<FakeReply>([
        reply.serverError(500),
        reply.serverError(503),
        reply.rateLimited(1),
        reply.drop(),
        reply.unauthorized(),
        reply.raw(200, '{"choices": [', { 'content-type': 'application/json' }),
        reply.raw(200, 'not json at all'),
        reply.refusal('no'),
        reply.text('', { finishReason: 'stop' }),
        reply.delayed(1_500, reply.text('slower than the run timeout')),
      ]);
    h.fake.setHandler((req: FakeRequest) => {
      const last = req.body.messages?.at(-1)?.role;
      const roll = random();
      let r: FakeReply;
      if (roll < 0.12) r = fault();
      else if (roll < 0.55 || last === 'tool') r = random() < 0.7 ? reply.text(`answer ${req.index}`) : toolCall();
      else r = toolCall();
      return random() < 0.3 ? reply.delayed(Math.floor(random() * 20), r) : r;
    });

    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const run = h.runner({ RUN_TIMEOUT_SECONDS: '1', RUN_MAX_STEPS: '4', OPENAI_TIMEOUT_MS: '800' }, { tools });
    const taskIds = await Promise.all(Array.from({ length: 20 }, () => h.task({ tools: ['memory_get', 'memory_set', 'notify', 'http_fetch'] })));
    const results: RunResult[] = [];
    const ids: string[] = [];
    let next = 0;
    const t0 = performance.now();
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < RUNS) {
            const i = next++;
            const execution = await h.execution(taskIds[i % taskIds.length] as string);
            ids.push(execution.id);
            const ctl = new AbortController();
            // Some runs are cancelled part-way, as a user or a shutdown would.
            if (random() < 0.05) setTimeout(() => ctl.abort(), random() * 40);
            const result = await run({ execution, signal: ctl.signal });
            results.push(result);
            await h.record(execution.id, result);
          }
        }),
      );
    } finally {
      process.off('unhandledRejection', onRejection);
      h.fake.setHandler(null);
    }
    const seconds = (performance.now() - t0) / 1000;

    expect(rejections, `seed ${seed}`).toEqual([]);
    expect(results).toHaveLength(RUNS);
    const byStatus = Object.groupBy(results, (r) => r.status);
    expect(Object.keys(byStatus).every((s) => ['succeeded', 'failed', 'aborted'].includes(s)), `seed ${seed}`).toBe(true);
    expect(byStatus.succeeded?.length ?? 0).toBeGreaterThan(RUNS / 4);
    expect(byStatus.failed?.length ?? 0).toBeGreaterThan(0);
    // No failure is a runner bug.
    expect(results.filter((r) => r.status === 'failed' && r.error.type === 'internal'), `seed ${seed}`).toEqual([]);
    const open = await h.db.pool.query(`select status, count(*)::int as n from executions where id = any($1::bigint[]) group by status`, [ids]);
    const statuses = Object.fromEntries(open.rows.map((r) => [r.status, r.n]));
    expect(Object.keys(statuses).every((s) => ['succeeded', 'failed', 'cancelled'].includes(s)), JSON.stringify(statuses)).toBe(true);
    expect(Object.values(statuses).reduce((a: number, b) => a + (b as number), 0)).toBe(RUNS);
    // Every run that reached the model left its steps behind.
    const stepless = await h.db.pool.query(
      `select count(*)::int as n from executions e where e.id = any($1::bigint[]) and e.llm_calls > 0
         and not exists (select 1 from execution_steps s where s.execution_id = e.id)`,
      [ids],
    );
    expect(stepless.rows[0].n).toBe(0);
    console.info(`soak: ${RUNS} runs in ${seconds.toFixed(1)} s (seed ${seed}):`, Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [k, v?.length])));
  }, 60_000);
});
