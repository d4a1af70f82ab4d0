import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { CHANNELS } from '../../src/models/notify.ts';
import type { ClaimedFire } from '../../src/scheduler/claim.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import type { FiredEvent } from '../../src/scheduler/engine/events.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertTasks, insertUser, recordingRunner, startEngine, ticked } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

// Several engines in one process on one manual clock: a burst due at once is split between them,
// each claiming its fair share (weighted by free runner slots) instead of the first awake taking all.

let tdb: TestDatabase;
let db: Database;
let userId: string;
const engines: Engine[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(20);
  userId = await insertUser(db);
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop(0)));
  await db.pool.query('delete from tasks; delete from scheduler_instances');
});

afterAll(async () => tdb?.drop());

/** Starts engines on `clock` and lets each heartbeat once more, so that every one sees them all alive. */
async function replicas(clock: ManualClock, concurrency: number[]): Promise<Array<{ engine: Engine; starts: number }>> {
  const out: Array<{ engine: Engine; starts: number }> = [];
  for (const c of concurrency) {
    const { run } = recordingRunner(undefined, clock);
    const engine = await startEngine(db, run, { clock, env: { RUNNER_CONCURRENCY: String(c) } });
    engines.push(engine);
    const r = { engine, starts: 0 };
    engine.events.on('fired', () => r.starts++);
    out.push(r);
  }
  const beats = ticked(
    out.map((r) => r.engine),
    'heartbeat',
  );
  await clock.advance(2000);
  await beats;
  return out;
}

/** Resolves once the engines together have emitted `n` fires in `event` (listen before the action). */
function fires(rs: Array<{ engine: Engine }>, event: 'claimed' | 'fired', n: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    for (const { engine } of rs) {
      engine.events.on(event, (x: ClaimedFire[] | FiredEvent) => {
        seen += Array.isArray(x) ? x.length : 1;
        if (seen >= n) resolve();
      });
    }
  });
}

/** 300 one-off tasks due together inside the look-ahead window, and every engine woken at once. */
async function burst(clock: ManualClock, rs: Array<{ engine: Engine; starts: number }>): Promise<string[]> {
  const at = new Date(Math.ceil((Date.now() + 1500) / 100) * 100);
  // Only this burst's tasks exist (afterEach empties the table): every fire claimed is one of them.
  const claimed = fires(rs, 'claimed', 300);
  // Listening from the start too: the instant may be behind the clock already (replicas() moved it).
  const started = fires(rs, 'fired', 300);
  const ids = await insertTasks(db, userId, Array.from({ length: 300 }, () => ({ schedule: { kind: 'once', at: at.toISOString() }, nextRunAt: at })));
  await db.pool.query('select pg_notify($1, $2)', [CHANNELS.tasks, '{}']);
  await claimed;
  await clock.advance(5000);
  await started;
  const once = await db.pool.query(`select task_id from executions where task_id = any($1::bigint[]) group by task_id having count(*) <> 1`, [ids]);
  expect(once.rows).toEqual([]);
  return ids;
}

describe('a burst is shared between replicas', () => {
  it('300 fires due at once on 3 engines: none starts more than 70 %', async () => {
    const clock = new ManualClock();
    const rs = await replicas(clock, [500, 500, 500]);
    await burst(clock, rs);
    const starts = rs.map((r) => r.starts);
    console.info(`300 fires on 3 engines: ${starts.join(' / ')} started`);
    expect(Math.max(...starts)).toBeLessThanOrEqual(210);
    // At most ceil(300 / 3) × 1.2 each.
    expect(Math.max(...starts)).toBeLessThanOrEqual(120);
  });

  it('a replica with fewer free runner slots takes a smaller share', async () => {
    const clock = new ManualClock();
    const rs = await replicas(clock, [600, 200]);
    await burst(clock, rs);
    console.info(`300 fires on engines with 600 and 200 slots: ${rs.map((r) => r.starts).join(' / ')} started`);
    // Weights 600 / 800 and 200 / 800: shares of at most 270 and 90 (an even split would be 180 each),
    // so whichever claims first, the larger replica starts 210–270 and the smaller 30–90.
    expect(rs[0]?.starts).toBeGreaterThanOrEqual(210);
    expect(rs[0]?.starts).toBeLessThanOrEqual(270);
    expect(rs[1]?.starts).toBeGreaterThanOrEqual(30);
    expect(rs[1]?.starts).toBeLessThanOrEqual(90);
  });
});
