import { describe as group, expect, it } from 'vitest';
import { describe, minGapSeconds, nextRuns, type ScheduleSpec, toSpec } from '../../src/scheduler/schedule.ts';

const NOW = new Date('2026-12-06T22:31:17Z'); // a Sunday

function spec(rrule: string, zone = 'UTC', dtstart?: string, now = NOW): ScheduleSpec {
  const r = toSpec(dtstart === undefined ? { rrule } : { rrule, dtstart }, zone, { now, rejectPast: true });
  if (!r.ok) throw new Error(`${rrule}: ${r.error.path}: ${r.error.message}`);
  return r.value;
}

function refused(rrule: string, dtstart?: string): { path: string; message: string } {
  const r = toSpec(dtstart === undefined ? { rrule } : { rrule, dtstart }, 'UTC', { now: NOW, rejectPast: true });
  if (r.ok) throw new Error(`${rrule} was accepted as ${JSON.stringify(r.value)}`);
  return r.error;
}

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

group('rrule validation', () => {
  it.each([
    ['FREQ=MONTHLY;BYDAY=9FR', 'BYDAY: bad ordinal 9FR'],
    ['FREQ=MONTHLY;BYDAY=0FR', 'BYDAY: bad ordinal 0FR'],
    ['FREQ=WEEKLY;BYDAY=2MO', 'BYDAY: ordinal 2MO needs FREQ=MONTHLY or FREQ=YEARLY'],
    ['FREQ=WEEKLY;BYDAY=MON', 'BYDAY: "MON" is not a weekday'],
    ['BYDAY=MO', 'FREQ: required'],
    ['FREQ=FORTNIGHTLY', 'FREQ: "FORTNIGHTLY" must be one of'],
    ['FREQ=DAILY;BYHOUR=24', 'BYHOUR: 24 is out of range'],
    ['FREQ=DAILY;BYMINUTE=-5', 'BYMINUTE: -5 must not be negative'],
    ['FREQ=MONTHLY;BYMONTHDAY=0', 'BYMONTHDAY: 0 is out of range'],
    ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY: 32 is out of range'],
    ['FREQ=WEEKLY;BYMONTHDAY=1', 'BYMONTHDAY: not allowed with FREQ=WEEKLY'],
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'BYMONTHDAY: no month in the rule has day 30'],
    ['FREQ=DAILY;COUNT=3;UNTIL=20270101', 'COUNT and UNTIL: give one, not both'],
    ['FREQ=DAILY;COUNT=0', 'COUNT: must be 1–10000'],
    ['FREQ=DAILY;INTERVAL=0', 'INTERVAL: must be 1–3660 with FREQ=DAILY'],
    ['FREQ=DAILY;UNTIL=2027-01-01', 'UNTIL: "2027-01-01" must be YYYYMMDD'],
    ['FREQ=DAILY;UNTIL=20270231', 'UNTIL: "20270231" is not a real date-time'],
    ['FREQ=DAILY;BYWEEKNO=3', 'BYWEEKNO: not supported'],
    ['FREQ=DAILY;FOO=1', 'FOO: unknown part'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'FREQ: given twice'],
    ['FREQ=DAILY;BYHOUR', '"BYHOUR" is not KEY=VALUE'],
    ['FREQ=DAILY;BYHOUR=9;BYSETPOS=1', 'BYSETPOS: supported with FREQ=WEEKLY or FREQ=MONTHLY only'],
    ['FREQ=MONTHLY;BYSETPOS=1', 'BYSETPOS: needs another BY… part'],
    ['FREQ=MONTHLY;BYDAY=MO,FR;BYHOUR=9,17;BYSETPOS=1', 'BYSETPOS: supported with one time of day only'],
    ['FREQ=YEARLY;BYDAY=20MO', 'BYDAY: an ordinal with FREQ=YEARLY needs BYMONTH'],
    ['FREQ=HOURLY;BYMONTH=3', 'BYMONTH: not supported with FREQ=HOURLY'],
    ['FREQ=HOURLY;INTERVAL=5;BYHOUR=9', 'BYHOUR: with FREQ=HOURLY needs an INTERVAL that divides 24'],
    ['FREQ=MONTHLY;INTERVAL=3;BYMONTH=2,5', 'BYMONTH: none of 2,5 is reached every 3 months from DTSTART'],
    ['FREQ=DAILY;UNTIL=20261201T000000', 'UNTIL: is before DTSTART'],
    ['FREQ=DAILY;COUNT=2', 'has no occurrence after now'],
  ])('refuses %s, naming the part', (rule, message) => {
    const dtstart = rule.endsWith('COUNT=2') ? '2026-01-01T09:00:00' : undefined;
    const e = refused(rule, dtstart);
    expect(e.path).toBe('schedule.rrule');
    expect(e.message).toContain(message);
  });

  it('refuses an HOURLY rule whose BYHOUR is never reached from DTSTART', () => {
    expect(refused('FREQ=HOURLY;INTERVAL=2;BYHOUR=1', '2026-12-06T22:00:00').message).toContain('BYHOUR: none of 1 is reached every 2 from DTSTART');
  });

  it('refuses a rule whose parts taken from DTSTART can never match', () => {
    expect(refused('FREQ=YEARLY;BYMONTH=11', '2026-12-31T09:00').message).toContain('BYMONTHDAY: no month in the rule has day 31');
  });

  it('refuses a DTSTART that is not a date-time, at its own path', () => {
    expect(refused('FREQ=DAILY', 'next tuesday')).toEqual({ path: 'schedule.dtstart', message: expect.stringContaining('must be a local date-time') });
    expect(refused('FREQ=DAILY', '2026-02-30T09:00:00').path).toBe('schedule.dtstart');
  });

  it('stores the rule with the parts DTSTART supplies written out, in a fixed order', () => {
    const s = spec('rrule:freq=weekly;byminute=0;interval=2;byday=MO;byhour=9');
    expect(s).toEqual({
      kind: 'rrule',
      rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0',
      dtstart: '2026-12-06T22:31:00',
      timezone: 'UTC',
    });
    expect(spec('FREQ=MONTHLY', 'Europe/Paris', '2026-12-15T08:30')).toMatchObject({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=8;BYMINUTE=30;BYSECOND=0' });
    expect(spec('FREQ=YEARLY', 'UTC', '2026-12-24T18:00:00')).toMatchObject({ rrule: 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=18;BYMINUTE=0;BYSECOND=0' });
  });

  it('reads a DTSTART with an offset on the zone clock, and UNTIL with Z likewise', () => {
    const s = spec('FREQ=DAILY;UNTIL=20261231T230000Z', 'Europe/Paris', '2026-12-07T08:00:00Z');
    expect(s).toMatchObject({ dtstart: '2026-12-07T09:00:00', rrule: 'FREQ=DAILY;UNTIL=20270101T000000;BYHOUR=9;BYMINUTE=0;BYSECOND=0' });
  });
});

group('rrule next runs', () => {
  it('fires every other Monday at 09:00 in the task zone, in DTSTART phase', () => {
    const s = spec('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0', 'Europe/Paris', '2026-12-14T09:00');
    expect(iso(nextRuns(s, NOW, 3))).toEqual(['2026-12-14T08:00:00.000Z', '2026-12-28T08:00:00.000Z', '2027-01-11T08:00:00.000Z']);
    // Years later the phase still holds (the evaluator starts near the asked instant, not at DTSTART).
    expect(iso(nextRuns(s, new Date('2031-06-01T00:00:00Z'), 2))).toEqual(['2031-06-09T07:00:00.000Z', '2031-06-23T07:00:00.000Z']);
  });

  it('takes ordinals, negative month days and BYSETPOS', () => {
    expect(iso(nextRuns(spec('FREQ=MONTHLY;BYDAY=3FR;BYHOUR=17;BYMINUTE=0'), NOW, 2))).toEqual(['2026-12-18T17:00:00.000Z', '2027-01-15T17:00:00.000Z']);
    expect(iso(nextRuns(spec('FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0'), NOW, 2))).toEqual(['2026-12-25T17:00:00.000Z', '2027-01-29T17:00:00.000Z']);
    expect(iso(nextRuns(spec('FREQ=MONTHLY;BYMONTHDAY=-2;BYHOUR=12;BYMINUTE=0'), NOW, 2))).toEqual(['2026-12-30T12:00:00.000Z', '2027-01-30T12:00:00.000Z']);
    // The last workday of each month.
    const lastWorkday = spec('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=18;BYMINUTE=0');
    expect(iso(nextRuns(lastWorkday, NOW, 3))).toEqual(['2026-12-31T18:00:00.000Z', '2027-01-29T18:00:00.000Z', '2027-02-26T18:00:00.000Z']);
  });

  it('stops after COUNT occurrences counted from DTSTART, and at UNTIL', () => {
    const counted = spec('FREQ=DAILY;COUNT=3;BYHOUR=9;BYMINUTE=0', 'UTC', '2026-12-05T00:00');
    expect(iso(nextRuns(counted, NOW, 5))).toEqual(['2026-12-07T09:00:00.000Z']);
    const until = spec('FREQ=DAILY;UNTIL=20261209T090000;BYHOUR=9;BYMINUTE=0');
    expect(iso(nextRuns(until, NOW, 5))).toEqual(['2026-12-07T09:00:00.000Z', '2026-12-08T09:00:00.000Z', '2026-12-09T09:00:00.000Z']);
  });

  it('fires 29 February only in leap years', () => {
    const s = spec('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=12;BYMINUTE=0');
    expect(iso(nextRuns(s, NOW, 2))).toEqual(['2028-02-29T12:00:00.000Z', '2032-02-29T12:00:00.000Z']);
  });

  it('measures its shortest gap for the minimum-interval rule', () => {
    expect(minGapSeconds(spec('FREQ=MINUTELY;INTERVAL=5'), NOW)).toBe(300);
    expect(minGapSeconds(spec('FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0'), NOW)).toBe(8 * 3600);
  });
});

group('rrule across DST', () => {
  it('New York, spring: 02:30 runs at 03:00 EDT on the day the hour is skipped', () => {
    const s = spec('FREQ=DAILY;BYHOUR=2;BYMINUTE=30', 'America/New_York', '2026-01-01T02:30', new Date('2026-03-06T12:00:00Z'));
    expect(iso(nextRuns(s, new Date('2026-03-06T12:00:00Z'), 4))).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, the first instant after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('New York, fall: 01:30 runs once, at its first occurrence (EDT)', () => {
    const s = spec('FREQ=DAILY;BYHOUR=1;BYMINUTE=30', 'America/New_York', '2026-01-01T01:30', new Date('2026-10-30T12:00:00Z'));
    expect(iso(nextRuns(s, new Date('2026-10-30T12:00:00Z'), 3))).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) does not fire
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('New York, fall: an hourly rule fires the repeated hour once, and once per hour through the spring gap', () => {
    const fall = spec('FREQ=HOURLY;BYMINUTE=0', 'America/New_York', '2026-10-31T00:00', new Date('2026-11-01T03:30:00Z'));
    expect(iso(nextRuns(fall, new Date('2026-11-01T03:30:00Z'), 3))).toEqual([
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST: 01:00 EST is the repeated hour
    ]);
    const spring = spec('FREQ=HOURLY;BYMINUTE=30', 'America/New_York', '2026-03-07T00:00', new Date('2026-03-08T05:00:00Z'));
    expect(iso(nextRuns(spring, new Date('2026-03-08T05:00:00Z'), 3))).toEqual([
      '2026-03-08T05:30:00.000Z', // 00:30 EST
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist: 03:00 EDT; 03:30 EDT follows
    ]);
  });

  it('London: 01:30 moves to 02:00 BST in spring and runs once in autumn', () => {
    const s = spec('FREQ=WEEKLY;BYDAY=SU;BYHOUR=1;BYMINUTE=30', 'Europe/London', '2026-01-04T01:30', new Date('2026-03-27T00:00:00Z'));
    expect(iso(nextRuns(s, new Date('2026-03-27T00:00:00Z'), 2))).toEqual(['2026-03-29T01:00:00.000Z', '2026-04-05T00:30:00.000Z']);
    expect(iso(nextRuns(s, new Date('2026-10-23T00:00:00Z'), 2))).toEqual(['2026-10-25T00:30:00.000Z', '2026-11-01T01:30:00.000Z']);
  });

  it('Lord Howe: the 30-minute shift, both ways', () => {
    // 5 April 2026: 02:00 (+11) becomes 01:30 (+10:30); 01:45 happens twice and runs at the first.
    const fall = spec('FREQ=DAILY;BYHOUR=1;BYMINUTE=45', 'Australia/Lord_Howe', '2026-01-01T01:45', new Date('2026-04-03T00:00:00Z'));
    expect(iso(nextRuns(fall, new Date('2026-04-03T00:00:00Z'), 3))).toEqual(['2026-04-03T14:45:00.000Z', '2026-04-04T14:45:00.000Z', '2026-04-05T15:15:00.000Z']);
    // 4 October 2026: 02:00 (+10:30) becomes 02:30 (+11); 02:15 runs at 02:30.
    const spring = spec('FREQ=DAILY;BYHOUR=2;BYMINUTE=15', 'Australia/Lord_Howe', '2026-01-01T02:15', new Date('2026-10-02T00:00:00Z'));
    expect(iso(nextRuns(spring, new Date('2026-10-02T00:00:00Z'), 3))).toEqual(['2026-10-02T15:45:00.000Z', '2026-10-03T15:30:00.000Z', '2026-10-04T15:15:00.000Z']);
  });
});

group('rrule descriptions', () => {
  it.each([
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0', 'Every 2 weeks on Monday at 09:00'],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=30', 'Every week on Monday through Friday at 08:30'],
    ['FREQ=MONTHLY;BYDAY=3FR;BYHOUR=17;BYMINUTE=0', 'Every month on the third Friday at 17:00'],
    ['FREQ=MONTHLY;INTERVAL=2;BYDAY=1FR;BYHOUR=9;BYMINUTE=0', 'Every 2 months on the first Friday at 09:00'],
    ['FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0', 'Every month on the last Friday at 17:00'],
    ['FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=0', 'Every month on the last day at 23:00'],
    ['FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=9;BYMINUTE=0', 'Every month on the 1st and 15th at 09:00'],
    ['FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=18;BYMINUTE=0', 'Every month on Monday through Friday (only the last of those in each month) at 18:00'],
    ['FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=18;BYMINUTE=0', 'Every year on 24 December at 18:00'],
    ['FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO;BYHOUR=10;BYMINUTE=0', 'Every year in May on the last Monday at 10:00'],
    ['FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0', 'Every day at 09:00 and 17:00'],
    ['FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13,15,17;BYMINUTE=0', 'Every 2 hours at :00 during hours 09, 11, 13, 15 and 17'],
    ['FREQ=MINUTELY;INTERVAL=15', 'Every 15 minutes'],
    ['FREQ=DAILY;COUNT=10;BYHOUR=7;BYMINUTE=0', 'Every day at 07:00, 10 times'],
    ['FREQ=DAILY;UNTIL=20270301T000000;BYHOUR=7;BYMINUTE=0', 'Every day at 07:00, until 1 Mar 2027 00:00'],
  ])('%s → "%s"', (rule, text) => {
    expect(describe(spec(rule, 'UTC', '2026-12-07T09:00:00'))).toBe(text);
  });
});
