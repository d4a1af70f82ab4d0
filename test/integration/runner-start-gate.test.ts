// Found by the chaos run (bench/chaos.ts): with PostgreSQL unreachable for longer than the lease, a
// replica's fire was taken over by another replica while the first had already called the model (two
// chat requests for one fire), and runs in flight failed for good with "internal error".
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.ts';
import { type RunnerHarness, startRunnerHarness } from '../support/runner.ts';

let h: RunnerHarness;
beforeAll(async () => {
  h = await startRunnerHarness();
});
afterEach(() => h.fake.reset());
afterAll(() => h?.close());

describe('the runner and the recorded start', () => {
  it('calls the model only once the start is recorded as its own, and never when another replica owns the run', async () => {
    const task = await h.task();
    h.fake.script(reply.text('done'));
    let recorded: (ours: boolean) => void = () => undefined;
    const started = new Promise<boolean>((r) => {
      recorded = r;
    });
    const runner = h.runner();
    const lost = runner({ execution: await h.execution(task), signal: new AbortController().signal, started });
    // A witness handed over after it, its start already recorded: once the witness's request has
    // arrived, the gated run has had as long (its snapshot load included) to send one, and has not.
    const ours = runner({ execution: await h.execution(task), signal: new AbortController().signal, started: Promise.resolve(true) });
    await h.fake.nthRequest(1);
    expect(h.fake.requests).toHaveLength(1);
    // (The witness's step writes yield to the gated run, still unsent: it is awaited after.)
    recorded(false);
    expect((await lost).status).toBe('aborted');
    expect((await ours).status).toBe('succeeded');
    expect(h.fake.requests).toHaveLength(1);
  });

  it('passes the fence before each model request and sends nothing once another replica took the run', async () => {
    const task = await h.task();
    h.fake.script(reply.text('done'));
    let asked = 0;
    const fenced = await h.runner()({
      execution: await h.execution(task),
      signal: new AbortController().signal,
      started: Promise.resolve(true),
      fence: async () => {
        asked++;
        return false;
      },
    });
    expect(fenced.status).toBe('aborted');
    expect(asked).toBe(1);
    expect(h.fake.requests).toHaveLength(0);

    const held = await h.runner()({
      execution: await h.execution(task),
      signal: new AbortController().signal,
      started: Promise.resolve(true),
      fence: async () => {
        asked++;
        return true;
      },
    });
    expect(held.status).toBe('succeeded');
    expect(asked).toBe(2);
    expect(h.fake.requests).toHaveLength(1);
  });

  it('reads an unreachable database as a transient failure, so the engine retries the run', async () => {
    const task = await h.task();
    const execution = await h.execution(task);
    // A pool pointing at a port nobody listens on: every query fails with ECONNREFUSED.
    const dead = new pg.Pool({ host: '127.0.0.1', port: 9, user: 'x', database: 'x', connectionTimeoutMillis: 1000 });
    try {
      const result = await h.runner({}, { db: { ...h.db, pool: dead } })({ execution, signal: new AbortController().signal });
      expect(result).toMatchObject({ status: 'failed', transient: true, error: { type: 'database_unavailable' } });
      expect(h.fake.requests).toHaveLength(0);
    } finally {
      await dead.end();
    }
  });

  it('counts its runs that have not sent their first request as the burst still to be sent', async () => {
    const task = await h.task();
    h.fake.script(reply.delayed(100, reply.text('done')));
    const runner = h.runner();
    let recorded: (ours: boolean) => void = () => undefined;
    const started = new Promise<boolean>((r) => {
      recorded = r;
    });
    expect(runner.backlog.unsent()).toBe(0);
    const result = runner({ execution: await h.execution(task), signal: new AbortController().signal, started });
    // Waiting for its start to be recorded: not sent yet.
    expect(runner.backlog.unsent()).toBe(1);
    let drained = false;
    const wait = runner.backlog.drained().then(() => {
      drained = true;
    });
    recorded(true);
    await wait;
    expect(drained).toBe(true);
    // The request is on its connection (the reply is 100 ms away): nothing is left to send.
    expect(runner.backlog.unsent()).toBe(0);
    expect((await result).status).toBe('succeeded');
    // A run that ends before sending anything (not ours) leaves the count too.
    const lost = runner({ execution: await h.execution(task), signal: new AbortController().signal, started: Promise.resolve(false) });
    expect(runner.backlog.unsent()).toBe(1);
    expect((await lost).status).toBe('aborted');
    expect(runner.backlog.unsent()).toBe(0);
  });
});
