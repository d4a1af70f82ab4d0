import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/models/db.ts';
import type { Engine } from '../../src/scheduler/engine.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { advanceEnginesTo, createTestEngine, executionsOf, insertTasks, insertUser, recordedRuns, recordingRunner, ticked } from '../support/engine.ts';
import { ManualClock } from '../support/manual-clock.ts';

let tdb: TestDatabase;
let db: Database;
let app: TestApp;
// Two fires of one day seconds apart would be refused under the tests' 60 s minimum interval.
let fastApp: TestApp;
let key: string;
let userId: string;
const engines: Engine[] = [];
const ZONE = 'America/New_York';

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open(20);
  app = await startTestApp(db);
  fastApp = await startTestApp(db, { env: { MIN_INTERVAL_SECONDS: '1' } });
  ({ apiKey: key } = await app.user('rrule'));
  userId = await insertUser(db);
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop(0)));
  await db.pool.query('delete from tasks');
});

afterAll(async () => {
  await app?.close();
  await fastApp?.close();
  await tdb?.drop();
});

async function nextRunOf(taskId: string): Promise<number> {
  const { rows } = await db.pool.query(`select (extract(epoch from next_run_at) * 1000)::float8 as next from tasks where id = $1`, [taskId]);
  return rows[0].next;
}

/**
 * Two whole seconds 3 s apart, far enough ahead that a slow start of the engines leaves both in the
 * future, in one minute of the zone's clock (so one BYMINUTE covers both).
 */
function twoInstantsAhead(): [DateTime, DateTime] {
  let first = DateTime.fromMillis(Math.ceil((Date.now() + 10_000) / 1000) * 1000, { zone: ZONE });
  if (first.second > 55) first = first.plus({ minutes: 1 }).set({ second: 1 });
  return [first, first.plus({ seconds: 3 })];
}

// Both instants inside the replicas' look-ahead from their first claim round: they wait for them on
// the manual clock, which the test moves (no real time passes for the fires).
const WIDE_WINDOW = { env: { SCHEDULER_LOOKAHEAD_MS: '40000' } };

describe('rrule tasks in the engine', () => {
  it('fires an every-other-week task exactly once per occurrence across two replicas, then moves it two weeks on', async () => {
    const [a, b] = twoInstantsAhead();
    const weekday = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][a.weekday - 1];
    const rule = `FREQ=WEEKLY;INTERVAL=2;BYDAY=${weekday};BYHOUR=${a.hour};BYMINUTE=${a.minute};BYSECOND=${a.second},${b.second}`;
    // DTSTART at midnight of the same weekday two weeks back: this week is in phase only because INTERVAL
    // counts from DTSTART's week (WKST=MO). A day further back would put it in another week on Mondays.
    const dtstart = a.minus({ weeks: 2 }).startOf('day').toFormat("yyyy-LL-dd'T'HH:mm:ss");
    const res = await fastApp.request('POST', '/api/tasks', { key, body: { name: 'fortnightly', schedule: { rrule: rule, dtstart }, timezone: ZONE, overlap: 'allow' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.nextRunAt).toBe(a.toUTC().toISO());
    const taskId = res.body.id as string;

    const clock = new ManualClock();
    const { run, calls } = recordingRunner(undefined, clock);
    const pair = [createTestEngine(db, run, { clock, ...WIDE_WINDOW }), createTestEngine(db, run, { clock, ...WIDE_WINDOW })];
    engines.push(...pair);
    const both = recordedRuns(pair, 2, (f) => f.taskId === taskId);
    await Promise.all(pair.map((e) => e.start()));
    await advanceEnginesTo(clock, pair, b.toMillis() + 1);
    await both;

    // Both replicas claim again past the second instant: nothing more may fire.
    const polled = ticked(pair, 'claim poll');
    await clock.advance(1_000);
    await polled;
    const xs = await executionsOf(db, taskId);
    expect(xs.map((x) => x.scheduled_ms)).toEqual([a.toMillis(), b.toMillis()]);
    expect(xs.every((x) => x.status === 'succeeded' && x.trigger === 'schedule')).toBe(true);
    expect(calls.filter((c) => c.taskId === taskId)).toHaveLength(2);
    // The next occurrence is two weeks on (same wall time: luxon adds calendar weeks in the zone), not next week.
    expect(await nextRunOf(taskId)).toBe(a.plus({ weeks: 2 }).toMillis());
    expect(await nextRunOf(taskId)).not.toBe(a.plus({ weeks: 1 }).toMillis());
  });

  it('coalesces missed fortnightly occurrences into one catch-up run of the latest, by the misfire policy', async () => {
    // Every other week at this wall time; next_run_at left six weeks behind, as after downtime.
    const now = DateTime.fromMillis(Math.floor(Date.now() / 1000) * 1000, { zone: ZONE }).minus({ seconds: 30 });
    const weekday = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][now.weekday - 1];
    const rule = `FREQ=WEEKLY;INTERVAL=2;BYDAY=${weekday};BYHOUR=${now.hour};BYMINUTE=${now.minute};BYSECOND=${now.second}`;
    const dtstart = now.minus({ weeks: 6 }).toFormat("yyyy-LL-dd'T'HH:mm:ss");
    const [taskId] = await insertTasks(db, userId, [
      {
        schedule: { kind: 'rrule', rrule: rule, dtstart },
        timezone: ZONE,
        nextRunAt: now.minus({ weeks: 6 }).toJSDate(),
        misfireGraceSeconds: 86_400,
      },
    ]);
    const { run, calls } = recordingRunner();
    const pair = [createTestEngine(db, run), createTestEngine(db, run)];
    engines.push(...pair);
    const caughtUp = recordedRuns(pair, 1, (f) => f.taskId === taskId);
    await Promise.all(pair.map((e) => e.start()));
    expect((await caughtUp).map((f) => f.status)).toEqual(['succeeded']);
    const xs = await executionsOf(db, taskId as string);
    expect(xs).toHaveLength(1);
    expect(xs[0]).toMatchObject({ trigger: 'catchup', status: 'succeeded', scheduled_ms: now.toMillis() });
    expect(calls).toHaveLength(1);
    expect(await nextRunOf(taskId as string)).toBe(now.plus({ weeks: 2 }).toMillis());
  });

  it('refuses an rrule that fires more often than MIN_INTERVAL_SECONDS, naming the limit', async () => {
    const res = await app.request('POST', '/api/tasks', { key, body: { name: 'too often', schedule: { rrule: 'FREQ=SECONDLY;INTERVAL=30' } } });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/MIN_INTERVAL_SECONDS/);
  });
});
