// The step writer shared by every run of a process: rows of many runs go in few statements, each
// run's rows land in order, and a run whose rows cannot be written (its execution deleted meanwhile)
// fails alone instead of taking the other runs of its statement down with it.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepWriter, FLUSH_DELAY_MS } from '../../src/runner/steps.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { startRunnerHarness, type RunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;
beforeAll(async () => {
  h = await startRunnerHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The real pool, counting the statements sent through it. */
function counting(pool: pg.Pool): { pool: pg.Pool; statements: () => number } {
  let n = 0;
  const counted = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          n++;
          return (target.query as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { pool: counted, statements: () => n };
}

describe('the shared step writer', () => {
  it('writes the steps of 300 runs flushed in the same turn in one statement, each run in order', async () => {
    const taskId = await h.task();
    const ids = [];
    for (let i = 0; i < 300; i++) ids.push((await h.execution(taskId)).id);
    const { pool, statements } = counting(h.db.pool);
    const writer = createStepWriter(pool);
    const logs = ids.map((id) => writer.log(id));
    logs.forEach((log, i) => {
      log.add('llm', new Date(), 5, { run: i, step: 0 });
      log.add('tool', new Date(), 7, { run: i, step: 1, text: 'nul \u0000 byte' });
    });
    await Promise.all(logs.map((l) => l.flush()));
    expect(statements()).toBe(1);
    for (const [i, id] of [ids[0], ids[150], ids[299]].entries()) {
      const steps = await h.steps(id as string);
      expect(steps.map((s) => [s.index, s.kind, s.data.step])).toEqual([
        [0, 'llm', 0],
        [1, 'tool', 1],
      ]);
      expect(steps[0]?.data.run).toBe([0, 150, 299][i]);
      expect(steps[1]?.data.text).not.toContain('\u0000');
    }
  });

  it('fails only the run whose execution is gone, and still writes the others', async () => {
    const taskId = await h.task();
    const a = (await h.execution(taskId)).id;
    const b = (await h.execution(taskId)).id;
    const writer = createStepWriter(h.db.pool);
    const la = writer.log(a);
    const lb = writer.log(b);
    const gone = writer.log('999999999');
    la.add('llm', new Date(), 1, { x: 'a' });
    gone.add('llm', new Date(), 1, { x: 'gone' });
    lb.add('llm', new Date(), 1, { x: 'b' });
    const results = await Promise.allSettled([la.flush(), gone.flush(), lb.flush()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await h.steps(a)).map((s) => s.data.x)).toEqual(['a']);
    expect((await h.steps(b)).map((s) => s.data.x)).toEqual(['b']);
    // A later flush of the failed run still reports the failure; one with nothing queued resolves.
    await expect(gone.flush()).rejects.toThrow();
    await expect(la.flush()).resolves.toBeUndefined();
  });

  it('writes what flushSoon queued once its delay has passed on the clock, without a flush', async () => {
    const taskId = await h.task();
    const id = (await h.execution(taskId)).id;
    const clock = new ManualClock();
    const writer = createStepWriter(h.db.pool, { clock });
    const log = writer.log(id);
    log.add('llm', new Date(), 3, { soon: true });
    log.flushSoon();
    log.flushSoon(); // one timer for both
    expect(clock.pending).toBe(1);
    await clock.advance(FLUSH_DELAY_MS - 1);
    await writer.idle();
    expect(await h.steps(id)).toEqual([]);
    await clock.advance(1);
    expect(clock.pending).toBe(0);
    await writer.idle();
    expect((await h.steps(id)).map((s) => s.data.soon)).toEqual([true]);
    expect(log.count).toBe(1);
  });

  it('drops the flushSoon timer when a flush writes first', async () => {
    const taskId = await h.task();
    const id = (await h.execution(taskId)).id;
    const clock = new ManualClock();
    const log = createStepWriter(h.db.pool, { clock }).log(id);
    log.add('tool', new Date(), 1, { n: 1 });
    log.flushSoon();
    expect(clock.pending).toBe(1);
    await log.flush();
    expect(clock.pending).toBe(0);
    expect((await h.steps(id)).map((s) => s.data.n)).toEqual([1]);
  });
});
