// A burst larger than what a replica may hold (maxHeld = 2 × RUNNER_CONCURRENCY) is claimed part by
// part as runs end, not one room-full per claim poll: fast runs (an amqp hand-off takes
// milliseconds) otherwise ran at maxHeld fires per poll interval.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { advanceEngineTo, insertTasks, insertUser, recordedFinishes, recordingRunner, startEngine } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

let tdb: TestDatabase;
let db: Database;
let engine: Engine | undefined;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(10);
});

afterAll(async () => {
  await engine?.stop(0);
  await tdb?.drop();
});

it('fires a burst of 8 × its room at one instant without waiting for a claim poll', { timeout: 30_000 }, async () => {
  const clock = new ManualClock();
  const userId = await insertUser(db);
  const at = new Date(clock.now().getTime() + 1500);
  const n = 80;
  await insertTasks(
    db,
    userId,
    Array.from({ length: n }, () => ({ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at })),
  );
  const { run, calls } = recordingRunner(undefined, clock);
  // Room for 10 fires; the poll would come every 500 ms of the manual clock, which stays at the instant.
  engine = await startEngine(db, run, { clock, env: { RUNNER_CONCURRENCY: '5' } });
  expect(engine.stats().held).toBe(10);
  const all = recordedFinishes(engine, n);
  await advanceEngineTo(clock, engine, at);
  const finishes = await all;
  expect(finishes.filter((f) => f.status === 'succeeded')).toHaveLength(n);
  expect(calls).toHaveLength(n);
  const { rows } = await db.pool.query<{ n: string }>(`select count(*)::text as n from executions where status = 'succeeded'`);
  expect(Number(rows[0]?.n)).toBe(n);
});
