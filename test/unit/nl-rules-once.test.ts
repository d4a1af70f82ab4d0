// One-offs computed from "now" in the user's zone (or the zone the phrase names), DST days included.
// Reference: Tuesday 24 Nov 2026, 10:00 Paris unless a test pins another.
import { describe, expect, it } from 'vitest';
import { declineOf, onceOf, parse } from './nl-helpers.ts';

describe('days relative to today', () => {
  it.each([
    ['tomorrow at 3pm', '2026-11-25T15:00:00'],
    ['Tomorrow at noon', '2026-11-25T12:00:00'],
    ['tomorrow 22:30', '2026-11-25T22:30:00'],
    ['tmrw 8am', '2026-11-25T08:00:00'],
    ['9am tomorrow', '2026-11-25T09:00:00'],
    ['tomorrow morning at 8', '2026-11-25T08:00:00'],
    ['tomorrow evening at 7:30', '2026-11-25T19:30:00'],
    ['tomorrow night at 11', '2026-11-25T23:00:00'],
    ['today 5PM', '2026-11-24T17:00:00'],
    ['tonight at 8', '2026-11-24T20:00:00'],
    ['tonight 8pm', '2026-11-24T20:00:00'],
    ['11 tonight', '2026-11-24T23:00:00'],
    ['at 9pm tonight', '2026-11-24T21:00:00'],
    ['tonight at midnight', '2026-11-25T00:00:00'],
    ['this afternoon at 3', '2026-11-24T15:00:00'],
    ['this evening at 7', '2026-11-24T19:00:00'],
    ['the day after tomorrow at 10', '2026-11-26T10:00:00'],
    ['in 2 days at 9am', '2026-11-26T09:00:00'],
    ['2 days from now at 9am', '2026-11-26T09:00:00'],
  ])('%s → %s', (text, local) => {
    expect(onceOf(text)).toBe(local);
  });
});

describe('weekdays named relative to this week', () => {
  it.each([
    // "next friday" is the friday of next week (weeks run Monday–Sunday), as chrono reads it.
    ['next friday at noon', '2026-12-04T12:00:00'],
    ['Friday of next week at 9am', '2026-12-04T09:00:00'],
    ['friday next week at 9', '2026-12-04T09:00:00'],
    ['on tuesday next week at 10', '2026-12-01T10:00:00'],
    ['next week monday at 9', '2026-11-30T09:00:00'],
    ['this friday at 5pm', '2026-11-27T17:00:00'],
    ['this coming monday at 9', '2026-11-30T09:00:00'],
    // A weekday next to a date only confirms it.
    ['on friday, december 25th at 9am', '2026-12-25T09:00:00'],
  ])('%s → %s', (text, local) => {
    expect(onceOf(text)).toBe(local);
  });

  it('reads "friday of this week" in the Monday–Sunday week, so on a Saturday it is past', () => {
    expect(onceOf('friday of this week at 9')).toBe('2026-11-27T09:00:00');
    expect(declineOf('friday of this week at 9', 'Europe/Paris', '2026-11-28T10:00')).toBe('past');
    expect(onceOf('this friday at 9', 'Europe/Paris', '2026-11-28T10:00')).toBe('2026-12-04T09:00:00');
  });

  it('reads "next monday" on a Sunday as the day after, like "monday of next week"', () => {
    expect(onceOf('next monday at 9', 'Europe/Paris', '2026-11-29T10:00')).toBe('2026-11-30T09:00:00');
  });
});

describe('delays from now', () => {
  it.each([
    ['in 20 minutes', '2026-11-24T10:20:00'],
    ['In 5 seconds', '2026-11-24T10:00:05'],
    ['in 2hour', '2026-11-24T12:00:00'],
    ['in an hour and a half', '2026-11-24T11:30:00'],
    ['in half an hour', '2026-11-24T10:30:00'],
    ['in 1.5 hours', '2026-11-24T11:30:00'],
    ['in 2h30m', '2026-11-24T12:30:00'],
    ['+15 minutes', '2026-11-24T10:15:00'],
    ['+1 day 2 hour', '2026-11-25T12:00:00'],
    ['5 minutes later', '2026-11-24T10:05:00'],
    ['15 minute from now', '2026-11-24T10:15:00'],
    ['set a timer for 5 minutes 30 seconds', '2026-11-24T10:05:30'],
    ['set a timer for 1 hour, 5 minutes, 30 seconds', '2026-11-24T11:05:30'],
    ['in a week', '2026-12-01T10:00:00'],
    ['in 3 months', '2027-02-24T10:00:00'],
    ['in one day', '2026-11-25T10:00:00'],
  ])('%s → %s', (text, local) => {
    expect(onceOf(text)).toBe(local);
  });

  it('keeps the wall-clock time for calendar units: "in 1 month" from Jan 31 lands on Feb 28', () => {
    expect(onceOf('in 1 month', 'Europe/Paris', '2027-01-31T09:00')).toBe('2027-02-28T09:00:00');
  });
});

describe('dates', () => {
  it.each([
    ['on 2026-12-24 at 18:00', '2026-12-24T18:00:00'],
    ['2027-04-03T09:30', '2027-04-03T09:30:00'],
    ['on dec 24 at 6pm', '2026-12-24T18:00:00'],
    ['on december 24th, 2026 at 9am', '2026-12-24T09:00:00'],
    ['on 24 december at 9am', '2026-12-24T09:00:00'],
    ['the 24th of december at 9am', '2026-12-24T09:00:00'],
    ['at midnight on 12th August', '2027-08-12T00:00:00'],
    // The next July 9th, not the one gone.
    ['8:23 AM, Jul 9', '2027-07-09T08:23:00'],
    ['at 9am on 13/04/2027', '2027-04-13T09:00:00'],
    ['on feb 29 at 9am', '2028-02-29T09:00:00'],
  ])('%s → %s', (text, local) => {
    expect(onceOf(text)).toBe(local);
  });

  it('reads 05/31/2024 month first and an unclear 03/04 only where that is the habit', () => {
    expect(onceOf('05/31/2027 14:15')).toBe('2027-05-31T14:15:00');
    expect(onceOf('at 9am on 03/04/2027', 'America/New_York')).toBe('2027-03-04T09:00:00');
    expect(declineOf('at 9am on 03/04/2027', 'Europe/London')).toBe('ambiguous');
  });
});

describe('ISO instants with an offset', () => {
  it('takes the instant as written and keeps the user zone', () => {
    const r = parse('2027-11-30T08:15:30Z');
    expect(r.ok && r.schedule).toEqual({ kind: 'once', at: '2027-11-30T08:15:30.000Z', timezone: 'Europe/Paris' });
    expect(onceOf('at 2027-11-30T08:15:30+01:00')).toBe('2027-11-30T08:15:30');
  });
});

describe('a lone time is its next occurrence', () => {
  it.each([
    ['at 5:00 pm', '2026-11-24T17:00:00'],
    ['noon', '2026-11-24T12:00:00'],
    ['at 9am', '2026-11-25T09:00:00'],
    ['23:55:22', '2026-11-24T23:55:22'],
    // A bare hour keeps its 24-hour reading.
    ['at 9', '2026-11-25T09:00:00'],
    ['at 2:30', '2026-11-25T02:30:00'],
    ['at 1530', '2026-11-24T15:30:00'],
  ])('%s → %s', (text, local) => {
    expect(onceOf(text)).toBe(local);
  });
});

describe('zones named in a one-off', () => {
  it('computes "tomorrow" and the time in the named zone', () => {
    expect(onceOf('tomorrow at 9am Tokyo time')).toBe('2026-11-25T09:00:00 @Asia/Tokyo');
    expect(onceOf('at 9 EST tomorrow')).toBe('2026-11-25T09:00:00 @America/New_York');
  });
});

describe('daylight-saving days (America/New_York)', () => {
  const NY = 'America/New_York';

  it('refuses "tomorrow at 2:30am" on the spring-forward eve: that wall time does not exist', () => {
    expect(declineOf('tomorrow at 2:30am', NY, '2027-03-13T12:00')).toBe('impossible');
  });

  it('takes the first of the two 1:30s on the fall-back night', () => {
    const r = parse('tomorrow at 1:30am', NY, '2026-10-31T12:00');
    expect(r.ok && r.schedule).toMatchObject({ kind: 'once', at: '2026-11-01T05:30:00.000Z' });
  });

  it('counts "in 1 hour" as 3600 s of elapsed time across the fall-back', () => {
    const r = parse('in 1 hour', NY, '2026-11-01T00:30');
    expect(r.ok && r.schedule).toMatchObject({ kind: 'once', at: '2026-11-01T05:30:00.000Z' });
    const later = parse('in 2 hours', NY, '2026-11-01T00:30');
    expect(later.ok && later.schedule).toMatchObject({ at: '2026-11-01T06:30:00.000Z' });
  });

  it('keeps the wall-clock time for "in 1 day" across the spring-forward (23 h elapsed)', () => {
    const r = parse('in 1 day', NY, '2027-03-13T12:00');
    expect(r.ok && r.schedule).toMatchObject({ kind: 'once', at: '2027-03-14T16:00:00.000Z' });
  });

  it('lands "tomorrow at 3:30am" after the gap normally', () => {
    expect(onceOf('tomorrow at 3:30am', NY, '2027-03-13T12:00')).toBe('2027-03-14T03:30:00');
  });
});
