import { describe, expect, it } from 'vitest';
import { nextRuns, type ScheduleSpec } from '../../src/scheduler/schedule.ts';
import { planTask } from '../../src/scheduler/plan.ts';

const iso = (d: Date) => d.toISOString();
const cron = (expr: string, timezone: string): ScheduleSpec => ({ kind: 'cron', cron: expr, timezone });
const runs = (spec: ScheduleSpec, from: string, n: number) => nextRuns(spec, new Date(from), n).map(iso);

// All expectations are exact UTC instants, worked out by hand from each zone's rules.
describe('DST in America/New_York (2026: spring forward 8 Mar 02:00→03:00, fall back 1 Nov 02:00→01:00)', () => {
  it('fires a daily 02:30 once on the spring-forward day, at the first valid instant after the gap (03:00 EDT)', () => {
    expect(runs(cron('30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: 02:30 does not exist that day
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('fires a daily 01:30 once on the fall-back day, at its first occurrence (EDT)', () => {
    expect(runs(cron('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; the repeat at 01:30 EST (06:30Z) does not fire
      '2026-11-02T06:30:00.000Z', // 01:30 EST
      '2026-11-03T06:30:00.000Z',
    ]);
  });

  it('fires a daily 02:30 once on the fall-back day', () => {
    expect(runs(cron('30 2 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T07:30:00.000Z', '2026-11-02T07:30:00.000Z']);
  });

  it('fires an hourly task every real hour across both transitions', () => {
    expect(runs(cron('0 * * * *', 'America/New_York'), '2026-03-08T05:30:00Z', 3)).toEqual([
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT (02:00 never happens)
      '2026-03-08T08:00:00.000Z',
    ]);
    expect(runs(cron('0 * * * *', 'America/New_York'), '2026-11-01T04:30:00Z', 4)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST, one real hour later
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T08:00:00.000Z',
    ]);
  });
});

describe('DST in Europe/London (2026: spring forward 29 Mar 01:00→02:00, fall back 25 Oct 02:00→01:00)', () => {
  it('fires a daily 01:30 at 02:00 BST on the spring-forward day, then at 01:30', () => {
    expect(runs(cron('30 1 * * *', 'Europe/London'), '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('fires a daily 01:30 once on the fall-back day (BST)', () => {
    expect(runs(cron('30 1 * * *', 'Europe/London'), '2026-10-24T12:00:00Z', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('fires a daily 02:30 once per day across both transitions', () => {
    expect(runs(cron('30 2 * * *', 'Europe/London'), '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T01:30:00.000Z']);
    expect(runs(cron('30 2 * * *', 'Europe/London'), '2026-10-24T12:00:00Z', 2)).toEqual(['2026-10-25T02:30:00.000Z', '2026-10-26T02:30:00.000Z']);
  });
});

describe('calendar edges', () => {
  it('fires "0 0 31 * *" only in months that have a 31st', () => {
    expect(runs(cron('0 0 31 * *', 'UTC'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-31T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
    ]);
  });

  it('fires on 29 February only in leap years', () => {
    expect(runs(cron('0 12 29 2 *', 'Europe/Paris'), '2026-01-01T00:00:00Z', 2)).toEqual(['2028-02-29T11:00:00.000Z', '2032-02-29T11:00:00.000Z']);
  });

  it('fires on the last day of each month with L', () => {
    expect(runs(cron('0 9 L * *', 'UTC'), '2028-01-15T00:00:00Z', 3)).toEqual(['2028-01-31T09:00:00.000Z', '2028-02-29T09:00:00.000Z', '2028-03-31T09:00:00.000Z']);
  });

  it('fires on the nth and the last weekday of the month with #', () => {
    expect(runs(cron('0 9 * * 1#1', 'UTC'), '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-05T09:00:00.000Z', '2026-02-02T09:00:00.000Z']);
    expect(runs(cron('0 9 * * 5#L', 'UTC'), '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-30T09:00:00.000Z', '2026-02-27T09:00:00.000Z']);
  });
});

describe('intervals', () => {
  it('keeps a fixed elapsed time across DST (every 6 h stays 6 real hours apart)', () => {
    const spec: ScheduleSpec = { kind: 'interval', everySeconds: 6 * 3600, anchor: '2026-03-07T18:00:00.000Z', timezone: 'America/New_York' };
    // 01:00 EST, 08:00 EDT, 14:00 EDT: the wall clock jumps, the elapsed time does not.
    expect(runs(spec, '2026-03-08T00:00:00Z', 3)).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T12:00:00.000Z', '2026-03-08T18:00:00.000Z']);
  });

  it('stays on the anchor phase whenever it is asked', () => {
    const spec: ScheduleSpec = { kind: 'interval', everySeconds: 900, anchor: '2026-01-01T00:07:00.000Z', timezone: 'UTC' };
    expect(runs(spec, '2026-06-01T10:00:00Z', 2)).toEqual(['2026-06-01T10:07:00.000Z', '2026-06-01T10:22:00.000Z']);
  });
});

describe('planning a claim (misfires)', () => {
  const base = {
    id: '1',
    userId: '1',
    timezone: 'UTC',
    startAt: null,
    endAt: null,
    misfirePolicy: 'run_once' as const,
    misfireGraceSeconds: 3600,
  };
  const opts = { misfireAfterMs: 1000, maxFiresPerTask: 100 };
  const now = new Date('2026-05-01T12:00:00.500Z');
  const horizon = new Date(now.getTime() + 5000);
  // Two seconds after 12:00: the 12:00 fire was missed by more than misfireAfterMs.
  const later = new Date('2026-05-01T12:00:02Z');
  const laterHorizon = new Date(later.getTime() + 5000);

  it('fires the occurrences inside the window', () => {
    const p = planTask({ ...base, schedule: { kind: 'interval', everySeconds: 2, anchor: '2026-05-01T00:00:00Z' }, nextRunAt: new Date('2026-05-01T12:00:02Z') }, now, horizon, opts);
    expect(p.fires.map((f) => [iso(f.scheduledFor), f.trigger])).toEqual([
      ['2026-05-01T12:00:02.000Z', 'schedule'],
      ['2026-05-01T12:00:04.000Z', 'schedule'],
    ]);
    expect(iso(p.nextRunAt as Date)).toBe('2026-05-01T12:00:06.000Z');
  });

  it('treats a fire late by less than misfireAfterMs as an ordinary fire', () => {
    const p = planTask({ ...base, schedule: { kind: 'cron', cron: '*/5 * * * *' }, nextRunAt: new Date('2026-05-01T11:55:00Z') }, now, horizon, opts);
    expect(p.fires.map((f) => [iso(f.scheduledFor), f.trigger, f.status])).toEqual([
      ['2026-05-01T11:55:00.000Z', 'catchup', 'queued'],
      ['2026-05-01T12:00:00.000Z', 'schedule', 'queued'],
    ]);
  });

  it('coalesces missed fires into one catch-up at the latest missed occurrence', () => {
    const p = planTask({ ...base, schedule: { kind: 'cron', cron: '*/5 * * * *' }, nextRunAt: new Date('2026-05-01T11:30:00Z') }, later, laterHorizon, opts);
    expect(p.fires.map((f) => [iso(f.scheduledFor), f.trigger, f.status])).toEqual([['2026-05-01T12:00:00.000Z', 'catchup', 'queued']]);
    expect(iso(p.nextRunAt as Date)).toBe('2026-05-01T12:05:00.000Z');
  });

  it('records one missed execution, counting the fires, under skip or beyond the grace period', () => {
    const skip = planTask({ ...base, misfirePolicy: 'skip', schedule: { kind: 'cron', cron: '*/5 * * * *' }, nextRunAt: new Date('2026-05-01T11:30:00Z') }, later, laterHorizon, opts);
    expect(skip.fires).toHaveLength(1);
    expect(skip.fires[0]).toMatchObject({ status: 'missed', scheduledFor: new Date('2026-05-01T12:00:00Z') });
    expect(skip.fires[0]?.error?.message).toMatch(/missed 7 fires from 2026-05-01T11:30:00.000Z to 2026-05-01T12:00:00.000Z/);
    const late = planTask({ ...base, misfireGraceSeconds: 60, schedule: { kind: 'once', at: '2026-05-01T10:00:00Z' }, nextRunAt: new Date('2026-05-01T10:00:00Z') }, now, horizon, opts);
    expect(late.fires[0]).toMatchObject({ status: 'missed' });
    expect(late.fires[0]?.error?.message).toMatch(/grace period/);
    expect(late.nextRunAt).toBeNull();
  });

  it('finds the last missed occurrence of a per-second schedule missed for days without walking them all', () => {
    const t0 = performance.now();
    const p = planTask({ ...base, misfirePolicy: 'skip', schedule: { kind: 'cron', cron: '* * * * * *' }, nextRunAt: new Date('2026-04-20T00:00:00Z') }, later, laterHorizon, opts);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(p.fires[0]).toMatchObject({ status: 'missed', scheduledFor: new Date('2026-05-01T12:00:01Z') });
    expect(p.fires[0]?.error?.message).toMatch(/more than 1000 fires/);
  });

  it('respects endAt: nothing after it fires, and the task has no next run', () => {
    const p = planTask(
      { ...base, endAt: new Date('2026-05-01T12:00:03Z'), schedule: { kind: 'interval', everySeconds: 2, anchor: '2026-05-01T00:00:00Z' }, nextRunAt: new Date('2026-05-01T12:00:02Z') },
      now,
      horizon,
      opts,
    );
    expect(p.fires.map((f) => iso(f.scheduledFor))).toEqual(['2026-05-01T12:00:02.000Z']);
    expect(p.nextRunAt).toBeNull();
  });
});
