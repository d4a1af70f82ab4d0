// In a burst (runs' first requests still waiting to be sent), the engine writes finishes after the
// burst is out or after YIELD_TO_SENDS_MS, whichever comes first; outside a burst, at once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import { type SendBacklog, YIELD_TO_SENDS_MS } from '../../src/scheduler/runner-port.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { advanceEngineTo, insertTasks, insertUser, ok, recordedFinishes, recordingRunner, startEngine } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

let tdb: TestDatabase;
let db: Database;
const engines: Engine[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(10);
});

afterAll(async () => {
  for (const e of engines) await e.stop(0);
  await tdb?.drop();
});

/** A backlog the test empties by hand; `waited` resolves once a write has begun to wait for it. */
function heldBacklog(size: number) {
  let n = size;
  const gone = Promise.withResolvers<void>();
  const waited = Promise.withResolvers<void>();
  const backlog: SendBacklog = {
    unsent: () => n,
    drained: () => {
      waited.resolve();
      return n === 0 ? Promise.resolve() : gone.promise;
    },
  };
  return {
    backlog,
    waited: waited.promise,
    drain() {
      n = 0;
      gone.resolve();
    },
  };
}

async function statuses(taskIds: string[]): Promise<string[]> {
  const { rows } = await db.pool.query<{ status: string }>('select status from executions where task_id = any($1::bigint[]) order by id', [taskIds]);
  return rows.map((r) => r.status);
}

async function burst(clock: ManualClock, backlog: SendBacklog, n: number) {
  const userId = await insertUser(db);
  const at = new Date(clock.now().getTime() + 1500);
  const ids = await insertTasks(db, userId, Array.from({ length: n }, () => ({ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at })));
  const finished: string[] = [];
  // Each run ends once its start is written: the start write is then behind every finish, and a
  // test reading 'running' while the finishes wait does not race it.
  const { run } = recordingRunner(async (req) => {
    await req.started;
    return ok();
  }, clock);
  const engine = await startEngine(db, run, { clock, sendBacklog: backlog });
  engines.push(engine);
  const allFinished = new Promise<void>((resolve) =>
    engine.events.on('finished', ({ fire }) => {
      finished.push(fire.executionId);
      if (finished.length === n) resolve();
    }),
  );
  let recorded = false;
  engine.events.on('recorded', () => {
    recorded = true;
  });
  const all = recordedFinishes(engine, n);
  await advanceEngineTo(clock, engine, at);
  await allFinished;
  return { ids, all, isRecorded: () => recorded };
}

it('writes the finishes of a burst once its requests are sent', { timeout: 20_000 }, async () => {
  const clock = new ManualClock();
  const held = heldBacklog(5);
  const n = 4;
  const { ids, all, isRecorded } = await burst(clock, held.backlog, n);
  // The finishes' write waits on the backlog (and on the clock, which does not move): nothing is written.
  await held.waited;
  expect(isRecorded()).toBe(false);
  expect(await statuses(ids)).toEqual(Array(n).fill('running'));
  held.drain();
  expect((await all).map((f) => f.status)).toEqual(Array(n).fill('succeeded'));
  expect(await statuses(ids)).toEqual(Array(n).fill('succeeded'));
});

it('writes them after YIELD_TO_SENDS_MS when the burst is still going', { timeout: 20_000 }, async () => {
  const clock = new ManualClock();
  const held = heldBacklog(5);
  const n = 3;
  const { ids, all, isRecorded } = await burst(clock, held.backlog, n);
  // The wait's timer is armed when the write begins to wait; short of YIELD_TO_SENDS_MS it has not fired.
  await held.waited;
  await clock.advance(YIELD_TO_SENDS_MS - 100);
  expect(isRecorded()).toBe(false);
  await clock.advance(100);
  expect((await all).map((f) => f.status)).toEqual(Array(n).fill('succeeded'));
  expect(await statuses(ids)).toEqual(Array(n).fill('succeeded'));
});

it('writes them at once outside a burst', { timeout: 20_000 }, async () => {
  const clock = new ManualClock();
  const n = 3;
  // Neither the clock moves nor a backlog drains: a held write would never come (the test would time out).
  const { ids, all } = await burst(clock, heldBacklog(0).backlog, n);
  expect((await all).map((f) => f.status)).toEqual(Array(n).fill('succeeded'));
  expect(await statuses(ids)).toEqual(Array(n).fill('succeeded'));
});
