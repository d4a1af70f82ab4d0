import { describe, expect, it } from 'vitest';
import { cronNext, cronNextN, parseCron } from '../../src/scheduler/cron.ts';

/** The next n fires as ISO strings (UTC). */
const runs = (expr: string, zone: string, after: string, n = 3) => cronNextN(parseCron(expr), zone, new Date(after), n).map((d) => d.toISOString());
const NY = 'America/New_York';

describe('spring-forward gap (New York, 2026-03-08: 02:00 EST → 03:00 EDT)', () => {
  it('a fixed time inside the gap fires at the first instant after it', () => {
    expect(runs('30 2 * * *', NY, '2026-03-07T12:00:00Z')).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
  });

  it('a repeating pattern skips the times that do not exist', () => {
    expect(runs('*/30 2 * * *', NY, '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-09T06:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(runs('0 * * * *', NY, '2026-03-08T06:30:00Z', 2)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
  });

  it('a 30-minute gap (Lord Howe) moves a fixed time to the gap end', () => {
    // 2026-10-04 02:00 +10:30 → 02:30 +11:00; 02:15 does not exist.
    expect(runs('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z', 1)).toEqual(['2026-10-03T15:30:00.000Z']);
  });
});

describe('autumn fold (New York, 2026-11-01: 02:00 EDT → 01:00 EST)', () => {
  it('a fixed time fires once, in the first pass', () => {
    expect(runs('30 1 * * *', NY, '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // Even when asked from inside the second pass.
    expect(runs('30 1 * * *', NY, '2026-11-01T06:15:00Z', 1)).toEqual(['2026-11-02T06:30:00.000Z']);
  });

  it('a repeating pattern fires in both passes', () => {
    expect(runs('0 * * * *', NY, '2026-11-01T03:00:00Z', 4)).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z',
    ]);
    expect(runs('0,30 1 * * *', NY, '2026-11-01T04:00:00Z', 5)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-02T06:00:00.000Z',
    ]);
  });
});

describe('days of the month', () => {
  it('0 0 31 * * skips months without a 31st', () => {
    expect(runs('0 0 31 * *', 'UTC', '2026-03-31T00:00:00Z')).toEqual(['2026-05-31T00:00:00.000Z', '2026-07-31T00:00:00.000Z', '2026-08-31T00:00:00.000Z']);
  });

  it('29 February fires only in leap years', () => {
    expect(runs('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });

  it('30 February never fires', () => {
    expect(cronNext(parseCron('0 0 30 2 *'), 'UTC', new Date('2026-01-01T00:00:00Z'))).toBeNull();
    expect(cronNextN(parseCron('0 0 30 2 *'), 'UTC', new Date('2026-01-01T00:00:00Z'), 5)).toEqual([]);
  });

  it('L is the last day of each month', () => {
    expect(runs('0 0 L * *', 'UTC', '2028-01-31T12:00:00Z')).toEqual(['2028-02-29T00:00:00.000Z', '2028-03-31T00:00:00.000Z', '2028-04-30T00:00:00.000Z']);
  });

  it('LW is the last weekday of each month', () => {
    // May 2026 ends on a Sunday (→ Friday 29th); Feb 2026 on a Saturday (→ Friday 27th).
    expect(runs('0 0 LW * *', 'UTC', '2026-02-01T00:00:00Z', 4)).toEqual([
      '2026-02-27T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-04-30T00:00:00.000Z',
      '2026-05-29T00:00:00.000Z',
    ]);
  });

  it('15W is the weekday nearest the 15th', () => {
    // 15 Mar 2026 is a Sunday (→ Monday 16th); 15 Aug 2026 a Saturday (→ Friday 14th); 15 Apr a Wednesday.
    expect(runs('0 0 15W * *', 'UTC', '2026-03-01T00:00:00Z', 2)).toEqual(['2026-03-16T00:00:00.000Z', '2026-04-15T00:00:00.000Z']);
    expect(runs('0 0 15W * *', 'UTC', '2026-08-01T00:00:00Z', 1)).toEqual(['2026-08-14T00:00:00.000Z']);
  });

  it('1W does not leave the month: Saturday the 1st moves to Monday the 3rd', () => {
    expect(runs('0 0 1W * *', 'UTC', '2026-07-31T00:00:00Z', 1)).toEqual(['2026-08-03T00:00:00.000Z']);
  });
});

describe('days of the week', () => {
  it('5#3 is the third Friday', () => {
    expect(runs('0 0 * * 5#3', 'UTC', '2026-01-01T00:00:00Z')).toEqual(['2026-01-16T00:00:00.000Z', '2026-02-20T00:00:00.000Z', '2026-03-20T00:00:00.000Z']);
  });

  it('5#L and 5L are the last Friday', () => {
    const want = ['2026-01-30T00:00:00.000Z', '2026-02-27T00:00:00.000Z', '2026-03-27T00:00:00.000Z'];
    expect(runs('0 0 * * 5#L', 'UTC', '2026-01-01T00:00:00Z')).toEqual(want);
    expect(runs('0 0 * * FRIL', 'UTC', '2026-01-01T00:00:00Z')).toEqual(want);
  });

  it('7 and SUN are Sunday, names are case-insensitive', () => {
    const want = runs('0 0 * * 0', 'UTC', '2026-01-01T00:00:00Z');
    expect(runs('0 0 * * 7', 'UTC', '2026-01-01T00:00:00Z')).toEqual(want);
    expect(runs('0 0 * * sun', 'UTC', '2026-01-01T00:00:00Z')).toEqual(want);
    expect(runs('@weekly', 'UTC', '2026-01-01T00:00:00Z')).toEqual(want);
  });

  it('with both day fields restricted, either may match (croner legacyMode)', () => {
    // Fridays and 13ths: Fri 2 Jan, Fri 9 Jan, Tue 13 Jan.
    expect(runs('0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z')).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z']);
  });

  it('a + before the weekday requires both (Friday the 13th)', () => {
    expect(runs('0 0 13 * +5', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z']);
  });

  it('a * day-of-month leaves the weekday alone in charge', () => {
    expect(runs('0 9 * * MON-FRI', 'Europe/Paris', '2026-01-02T09:00:00Z', 2)).toEqual(['2026-01-05T08:00:00.000Z', '2026-01-06T08:00:00.000Z']);
  });
});

describe('fields and forms', () => {
  it('seconds come first in six fields, a year last in seven', () => {
    expect(runs('15 30 9 * * *', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T09:30:15.000Z']);
    expect(runs('0 0 0 1 1 * 2030', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2030-01-01T00:00:00.000Z']);
  });

  it('fires strictly after the given instant', () => {
    expect(runs('0 9 * * *', 'UTC', '2026-01-01T09:00:00Z', 1)).toEqual(['2026-01-02T09:00:00.000Z']);
    expect(runs('0 9 * * *', 'UTC', '2026-01-01T08:59:59.999Z', 1)).toEqual(['2026-01-01T09:00:00.000Z']);
  });

  it('a 45-minute offset zone (Kathmandu, +05:45)', () => {
    expect(runs('0 9 * * *', 'Asia/Kathmandu', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T03:15:00.000Z']);
  });

  it('a compiled cron is a small plain object', () => {
    const c = parseCron('*/5 9-17 * JAN-JUN MON-FRI');
    expect(JSON.stringify(c).length).toBeLessThan(400);
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
  });

  it('rejects what croner rejects, with the field and value', () => {
    expect(() => parseCron('0 24 * * *')).toThrow('Invalid value for hour: 24');
    expect(() => parseCron('5/15 * * * *')).toThrow(/step needs \*/);
    expect(() => parseCron('0 0 L-2 * *')).toThrow(/L has to stand alone/);
    expect(() => parseCron('0 0 * * 5#6')).toThrow(/nth weekday/);
    expect(() => parseCron('@reboot')).toThrow(/not supported/);
  });

  it('throws on an unknown zone', () => {
    expect(() => cronNext(parseCron('* * * * *'), 'Mars/Olympus', new Date())).toThrow(RangeError);
  });
});
