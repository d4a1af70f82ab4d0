// The fence against a slow (not dead) replica: its heartbeat went stale while it was about to call
// the model. A run it fenced within the dead threshold is not taken over; once it has gone quiet for
// longer, the takeover interrupts and retries the run and the old holder's fence then says no, so it
// sends nothing for the run being retried elsewhere. Real PostgreSQL; the replica's stall is its
// rows aged on the database's clock (the threshold is measured there, not by a replica).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { claimDueTasks } from '../../src/scheduler/claim.ts';
import { recordStarts } from '../../src/scheduler/record.ts';
import { beat, stillHolds, takeOverDead } from '../../src/scheduler/replicas.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { executionsOf, insertTasks, insertUser } from '../support/engine.ts';

let tdb: TestDatabase;
let db: Database;
let userId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(4);
  userId = await insertUser(db);
});
afterAll(async () => tdb?.drop());

const LEASE = 30_000;
const DEAD = 6_000;
const beatOf = (id: string) => ({ id, host: 'fence-test', pid: 1, mode: 'all', concurrency: 4, running: 1, queued: 0, lastLagMs: null });

describe('fencing a slow replica', () => {
  it('spares a run fenced within the dead threshold, then interrupts it and fences the old holder out', async () => {
    const [taskId] = await insertTasks(db, userId, [{ schedule: { kind: 'once', at: new Date().toISOString() }, nextRunAt: new Date() }]);
    await beat(db.pool, beatOf('slow'), DEAD);
    await beat(db.pool, beatOf('live'), DEAD);
    const claimed = await claimDueTasks(db.pool, { owner: 'slow', windowMs: 1000, leaseMs: LEASE, limit: 10, plan: { misfireAfterMs: 60_000, maxFiresPerTask: 100 } });
    const fire = claimed.fires.find((f) => f.taskId === taskId);
    expect(fire).toBeDefined();
    const run = { id: fire?.executionId as string, owner: 'slow', epoch: fire?.epoch as number, leaseMs: LEASE };
    expect(await recordStarts(db.pool, 'slow', LEASE, [{ id: run.id, epoch: run.epoch, startedAt: Date.now() }])).toEqual(new Set());

    // Its heartbeat stalls, but the runner just passed the fence: the run is not taken over yet.
    await db.pool.query(`update scheduler_instances set last_seen = now() - interval '1 minute' where id = 'slow'`);
    expect(await stillHolds(db.pool, run)).toBe(true);
    const early = await takeOverDead(db.pool, { self: 'live', deadAfterMs: DEAD, leaseMs: LEASE });
    expect(early).toMatchObject({ replicas: [], interrupted: 0, retried: 0 });
    expect((await executionsOf(db, taskId as string)).map((x) => x.status)).toEqual(['running']);
    expect(await stillHolds(db.pool, run)).toBe(true);

    // Quiet for longer than the threshold (its last refresh 7 s old): now it is taken over.
    await db.pool.query(`update executions set lease_until = now() + make_interval(secs => ($1::float8 - 7000) / 1000) where id = $2`, [LEASE, run.id]);
    const late = await takeOverDead(db.pool, { self: 'live', deadAfterMs: DEAD, leaseMs: LEASE });
    expect(late).toMatchObject({ replicas: ['slow'], interrupted: 1, retried: 1 });
    expect(await stillHolds(db.pool, run)).toBe(false);
    const after = await executionsOf(db, taskId as string);
    expect(after.map((x) => [x.trigger, x.status]).sort()).toEqual([
      ['retry', 'queued'],
      ['schedule', 'interrupted'],
    ]);
  });
});
