// The stale-fire pass (misfires.ts): it is driven by scheduled fires let go past their instant,
// coalesces them with the task's catch-ups under run_once, and does not re-read catch-ups already
// decided — start-up sync calls it until it reports a short batch, and so do the claim rounds that
// can find stale fires (below).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import { CHANNELS } from '../../src/models/notify.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import { resolveStaleFires } from '../../src/scheduler/misfires.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { insertTasks, insertUser, nextEvent, queueRun, recordingRunner, startEngine, ticked } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

let tdb: TestDatabase;
let db: Database;
let userId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(4);
  userId = await insertUser(db);
});

const engines: Engine[] = [];
afterAll(async () => {
  for (const e of engines) await e.stop(0);
  await tdb?.drop();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
const daily = { schedule: { kind: 'cron', cron: '0 9 * * *', timezone: 'UTC' }, nextRunAt: new Date(Date.now() + 86_400_000) };

async function queue(taskId: string, trigger: 'schedule' | 'catchup', at: Date): Promise<string> {
  const { rows } = await db.pool.query(
    `insert into executions (task_id, user_id, status, trigger, scheduled_for) values ($1, $2, 'queued', $3, $4) returning id::text as id`,
    [taskId, userId, trigger, at],
  );
  return rows[0].id as string;
}

const states = async (ids: string[]) =>
  (await db.pool.query('select id::text as id, status, trigger from executions where id = any($1::bigint[]) order by id', [ids])).rows.map((r) => `${r.status}/${r.trigger}`);

describe('the stale-fire pass', () => {
  it('leaves a backlog of decided catch-ups alone and reports nothing examined', async () => {
    const tasks = await insertTasks(db, userId, Array.from({ length: 30 }, () => daily));
    const ids = await Promise.all(tasks.map((t) => queue(t, 'catchup', minutesAgo(5))));
    const r = await resolveStaleFires(db.pool, { misfireAfterMs: 1000, limit: 10 });
    expect(r).toEqual({ missed: 0, kept: 0, examined: 0 });
    expect(new Set(await states(ids))).toEqual(new Set(['queued/catchup']));
  });

  it('coalesces a task\'s stale scheduled fires with its earlier catch-up into one (run_once), and records skip\'s as missed', async () => {
    const [runOnce, skip] = await insertTasks(db, userId, [
      { ...daily, misfirePolicy: 'run_once' },
      { ...daily, misfirePolicy: 'skip' },
    ]);
    const a = [await queue(runOnce as string, 'catchup', minutesAgo(9)), await queue(runOnce as string, 'schedule', minutesAgo(6)), await queue(runOnce as string, 'schedule', minutesAgo(3))];
    const b = [await queue(skip as string, 'schedule', minutesAgo(4))];
    const r = await resolveStaleFires(db.pool, { misfireAfterMs: 1000, limit: 10 });
    expect(r).toMatchObject({ kept: 1, missed: 3, examined: 3 });
    expect(await states(a)).toEqual(['missed/schedule', 'missed/schedule', 'queued/catchup']);
    expect(await states(b)).toEqual(['missed/schedule']);
    // Nothing is left to decide: a second pass examines nothing.
    expect((await resolveStaleFires(db.pool, { misfireAfterMs: 1000, limit: 10 })).examined).toBe(0);
  });
});

// Which claim rounds settle stale fires: those that can find some (the poll, a release by another
// replica, a takeover, start-up). The rounds woken by manual runs, retries and creates do not run the
// pass (the costliest statement to plan), and claiming leaves stale fires to it meanwhile.
describe('the engine and stale fires', () => {
  async function engineWithStaleFire() {
    const clock = new ManualClock();
    // One engine at a time on this database: the previous test's would claim this one's runs.
    for (const e of engines.splice(0)) await e.stop(0);
    const engine = await startEngine(db, recordingRunner(undefined, clock).run, { clock });
    engines.push(engine);
    const [task, other, sentinel] = (await insertTasks(db, userId, [
      { ...daily, misfirePolicy: 'skip' },
      { ...daily, misfirePolicy: 'skip' },
      { ...daily, misfirePolicy: 'skip' },
    ])) as [string, string, string];
    // The listener's first connection asks for a settling round of its own: a run claimed through it
    // shows that round has run (it was asked for before the notification could arrive).
    const claimed = nextEvent(engine, 'claimed');
    const first = await queueRun(db, sentinel, userId);
    expect((await claimed)[0].map((f) => f.executionId)).toContain(first);
    // Let go by a replica that stopped before starting it, after this one's start-up sync.
    const stale = await queue(task, 'schedule', minutesAgo(2));
    return { clock, engine, stale, other };
  }

  it('settles a fire another replica released at once, without waiting for the poll', async () => {
    const { engine, stale } = await engineWithStaleFire();
    const missed = nextEvent(engine, 'missed');
    await db.pool.query('select pg_notify($1, $2)', [CHANNELS.work, '{"released":true}']);
    expect(await missed).toEqual([1]);
    expect(await states([stale])).toEqual(['missed/schedule']);
  });

  it('claims a manual run without settling, and settles the stale fire at the next poll', async () => {
    const { clock, engine, stale, other } = await engineWithStaleFire();
    const claimed = nextEvent(engine, 'claimed');
    const manual = await queueRun(db, other, userId);
    expect((await claimed)[0].map((f) => f.executionId)).toEqual([manual]);
    expect(await states([stale])).toEqual(['queued/schedule']);
    const missed = nextEvent(engine, 'missed');
    const polled = ticked(engine, 'claim poll');
    await clock.advance(1_000);
    await polled;
    expect(await missed).toEqual([1]);
    expect(await states([stale])).toEqual(['missed/schedule']);
  });
});
