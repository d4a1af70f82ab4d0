// Bounds of a repeat (issue #14, item 2): the values of startAt/endAt for each form, in the task's
// zone, across a DST change and at month ends; and the phrases a bound must not make wrong.
import { describe, expect, it } from 'vitest';
import { describeBounds, lastRunWithin } from '../../src/nl-parser/bounds.ts';
import { cronOf, declineOf, instant, parse } from './nl-helpers.ts';

/** The bounds a phrase reads, at Tuesday 24 November 2026 10:00 in Paris unless told. */
const boundsOf = (text: string, zone?: string, now?: string) => {
  const r = parse(text, zone, now);
  if (!r.ok) throw new Error(`"${text}" was declined (${r.kind}): ${r.reason}`);
  return r.bounds;
};

describe('ends', () => {
  it.each([
    // "until June": runs before 1 June begins (Paris summer time, UTC+2).
    ['every day at 9 until june', '2027-05-31T22:00:00Z'],
    // "until June 5": through the end of June 5.
    ['every day at 9 until june 5', '2027-06-05T22:00:00Z'],
    ['every day at 9 through june', '2027-06-30T22:00:00Z'],
    ['every day at 9 until the end of february', '2027-02-28T23:00:00Z'],
    ['every day at 9 till friday', '2026-11-27T23:00:00Z'],
    // A month already begun this year is next year's; December is still to come.
    ['every sunday at 8pm until december', '2026-11-30T23:00:00Z'],
    ['every day at 9 until dec 31', '2026-12-31T23:00:00Z'],
  ])('%s → endAt %s', (text, endAt) => {
    expect(boundsOf(text)).toEqual({ endAt });
  });

  it('keeps the recurring part exactly as without the bound', () => {
    expect(cronOf('every weekday at 8:30 until june')).toBe(cronOf('every weekday at 8:30'));
  });
});

describe('starts', () => {
  it.each([
    ['every day at 9 starting friday', '2026-11-26T23:00:00Z'],
    ['every weekday from march 1', '2027-02-28T23:00:00Z'],
    ['starting friday, every day at 7', '2026-11-26T23:00:00Z'],
    ['every monday at 9 beginning january 4', '2027-01-03T23:00:00Z'],
  ])('%s → startAt %s (that local day at 00:00)', (text, startAt) => {
    expect(boundsOf(text)).toEqual({ startAt });
  });

  it('drops a start that has already begun', () => {
    expect(boundsOf('every day at 9 starting today')).toBeUndefined();
  });
});

describe('lengths', () => {
  it.each([
    ['every day at 9 for 8 weeks', '2027-01-19T09:00:00Z'],
    ['every day at 9am for the next 10 days', '2026-12-04T09:00:00Z'],
    ['every day at 8 for a month', '2026-12-24T09:00:00Z'],
    ['every 2 hours for 3 days', '2026-11-27T09:00:00Z'],
  ])('%s → endAt %s (now + the length)', (text, endAt) => {
    expect(boundsOf(text)).toEqual({ endAt });
  });

  it('counts a length from the start when one is given', () => {
    expect(boundsOf('every monday at 9 from march 1 for 8 weeks')).toEqual({ startAt: '2027-02-28T23:00:00Z', endAt: '2027-04-25T22:00:00Z' });
  });

  it('adds weeks in local days across the spring change, not 24-hour days', () => {
    // 20 March 10:00 Paris (UTC+1) + 2 weeks = 3 April 10:00 Paris (UTC+2): 13 days 23 hours.
    expect(boundsOf('every day at 9 for 2 weeks', 'Europe/Paris', '2027-03-20T10:00')).toEqual({ endAt: '2027-04-03T08:00:00Z' });
    // New York falls back on 7 November 2027: 10 days later is still 10:00 local.
    expect(boundsOf('every day at 9 for the next 10 days', 'America/New_York', '2027-11-01T10:00')).toEqual({ endAt: '2027-11-11T15:00:00Z' });
  });

  it('ends a month length on the last day of a shorter month', () => {
    // 31 January + 1 month = 28 February (luxon clamps to the month's end).
    expect(boundsOf('every day at 9 for a month', 'Europe/Paris', '2027-01-31T08:00')).toEqual({ endAt: '2027-02-28T07:00:00Z' });
  });
});

describe('counts', () => {
  it('ends just after the last counted run', () => {
    expect(boundsOf('every monday at 9, 3 times')).toEqual({ endAt: '2026-12-14T08:00:01Z', count: 3 });
    expect(boundsOf('every day at 9 for 10 times')).toEqual({ endAt: '2026-12-04T08:00:01Z', count: 10 });
  });

  it('counts runs across a DST change in local time', () => {
    // Daily at 9 from 26 March 2027: the 4th run, on 29 March, is after the change (UTC+2).
    expect(boundsOf('every day at 9, 4 times', 'Europe/Paris', '2027-03-25T10:00')).toEqual({ endAt: '2027-03-29T07:00:01Z', count: 4 });
  });

  it('counts from the start when one is given', () => {
    expect(boundsOf('every day at 9 from january 4, 2 times')).toEqual({ startAt: '2027-01-03T23:00:00Z', endAt: '2027-01-05T08:00:01Z', count: 2 });
  });
});

describe('what a bound must not make wrong', () => {
  it.each([
    // A range of days is not a bound.
    ['every 10 minutes monday through friday', '*/10 * * * 1-5'],
    ['every 15 minutes from 5 through 15 of december and january', '*/15 * 5-15 1,12 *'],
    ['every 15 minutes from 9 to 5', '*/15 9-16 * * *'],
    // A length of an hour or less is how long the task lasts.
    ['meditate for 3 minutes every day at noon', '0 12 * * *'],
  ])('%s → %s, unbounded', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
    const r = parse(text);
    expect(r.ok && r.bounds).toBeUndefined();
  });

  it.each([
    // Words after "until" that are no day: the whole phrase declines.
    ['every day at 9 until blorp'],
    ['every day at 9 until the end of the year'],
    ['every hour until 5pm'],
    // A one-off has no bounds.
    ['tomorrow at 9 until friday'],
    // Three runs, or three times a day?
    ['every day 3 times'],
    // "every week" is anchored on today; a count or a start says nothing of the day.
    ['every week for 20 times'],
    ['every week starting friday'],
    // The bound follows the instruction, which may own it.
    ['every day at 9, summarize news for 2 weeks'],
    // An end before the first run, or before the start.
    ['every week until december'],
    ['every day at 9 until march 1 starting april 1'],
  ])('declines "%s"', (text) => {
    expect(['ambiguous', 'not_understood', 'unsupported', 'impossible', 'contradictory', 'past']).toContain(declineOf(text));
  });
});

describe('the last run and the description', () => {
  it('finds the last run before the end without walking every run', () => {
    const spec = { kind: 'cron' as const, cron: '* * * * *', timezone: 'Europe/Paris' };
    const now = instant('2026-11-24T10:00');
    expect(lastRunWithin(spec, now, { endAt: new Date('2027-05-31T22:00:00Z') })?.toISOString()).toBe('2027-05-31T22:00:00.000Z');
    expect(lastRunWithin(spec, now, { endAt: new Date('2027-05-31T21:59:30Z') })?.toISOString()).toBe('2027-05-31T21:59:00.000Z');
    const weekly = { kind: 'cron' as const, cron: '0 9 * * 1', timezone: 'Europe/Paris' };
    expect(lastRunWithin(weekly, now, { endAt: new Date('2027-05-31T22:00:00Z') })?.toISOString()).toBe('2027-05-31T07:00:00.000Z');
    // No run between now and the end.
    expect(lastRunWithin(weekly, now, { endAt: new Date('2026-11-25T00:00:00Z') })).toBeNull();
  });

  it('says the last day, or the count and its last run', () => {
    const now = instant('2026-11-24T10:00');
    expect(describeBounds({ endAt: '2027-05-31T22:00:00Z' }, 'Europe/Paris', now, null)).toBe(' · until 31 May 2027');
    expect(describeBounds({ endAt: '2026-12-14T08:00:01Z', count: 3 }, 'Europe/Paris', now, new Date('2026-12-14T08:00:00Z'))).toBe(' · 3 times, last on Mon 14 Dec 09:00');
    expect(describeBounds({ startAt: '2026-11-26T23:00:00Z' }, 'Europe/Paris', now, null)).toBe(' · from Fri 27 Nov');
  });
});
