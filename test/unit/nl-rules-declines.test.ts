// What the rules parser refuses, and why: a decline goes to the LLM or back to the user, while a
// wrong schedule would silently run at the wrong times. Reference: Tue 24 Nov 2026, 10:00 Paris.
import { describe, expect, it } from 'vitest';
import { declineOf } from './nl-helpers.ts';

describe('declines', () => {
  it.each([
    ['something', 'not_understood'],
    ['every', 'not_understood'],
    ['1 2 3 4 5', 'not_understood'],
    ['at 930', 'not_understood'],
  ])('"%s" is not a schedule (%s)', (text, kind) => {
    expect(declineOf(text)).toBe(kind);
  });

  it.each([
    'every couple of days',
    'every few hours',
    'in a couple of days',
    'In several hours',
    'sometime next week',
    'next week',
    'this weekend',
    'in march',
    'every year in march',
    'every day around 9am',
    'every day at about 9',
    'every day at 9 or 10',
    'every monday or tuesday',
    'at lunch',
    'within 10 minutes',
    'after 15 minutes',
    'on the 15th s',
    'twice a day',
    '3 times a week',
    'biweekly',
    'every second tuesday',
    'every 2nd day',
    'at 9 and 5pm',
    'tonight at 12',
    'every day at 9am in London',
  ])('"%s" is too vague or ambiguous', (text) => {
    expect(declineOf(text)).toBe('ambiguous');
  });

  it.each([
    'february 30th',
    'on april 31 at 9am',
    'on feb 29 2027 at 9am',
    'on the 31st of april and may',
    'every 0 minutes',
    'at 25:00',
    'at 13pm',
    'at 0am',
    'every day at 24:00',
    'every 31st of april',
  ])('"%s" is impossible', (text) => {
    expect(declineOf(text)).toBe('impossible');
  });

  it.each([
    'every monday on tuesdays',
    'at 5:00 except at 10:00',
    'every monday at 9am and every friday at 5pm',
    'tonight at 9am',
    'in 2 hours at 9am',
    'on monday, december 25th at 9am',
    'every 15 minutes on the hour',
    'every day on mondays',
    'tomorrow every hour',
  ])('"%s" contradicts itself', (text) => {
    expect(declineOf(text)).toBe('contradictory');
  });

  it.each([
    'yesterday afternoon',
    'last weekend',
    'last friday',
    '2 days ago',
    'this morning at 8',
    'today at 9am',
    'every day during 2013',
    'Run at 10:15am UTC on the last Friday of each month during the years 2002 to 2005',
    '2014-11-30T08:15:30-05:30',
    'on 2024-05-31 at 14:15',
  ])('"%s" is in the past', (text) => {
    expect(declineOf(text)).toBe('past');
  });

  it.each([
    // Not expressible as one cron, one interval or one one-off.
    'every 15 minutes until 5pm',
    'every day at 9 in 2027',
    'every 5 months',
    'every other day',
    'every other week',
    'every 2 weeks',
    'every other monday',
    'every 3 days at 9am',
    'every 7 minutes on weekdays',
    'every 5 hours on weekdays',
    'every 45 minutes between 9am and 5pm',
    'every 15 minutes from 9:30am to 5pm',
    'daily at 6:30 and 18:45',
    'Every month on the 2nd last Friday',
    'on christmas',
    'Every month on the 2nd last Friday and 2nd last Tuesday',
    'Every month on the 4th last',
    'every day at sunset',
    'every day at 9am UTC+5:30',
    'every 400 days',
    'now',
  ])('"%s" cannot be one schedule', (text) => {
    expect(declineOf(text)).toBe('unsupported');
  });

  it('declines a one-off in a spring-forward gap, computed in the named zone', () => {
    expect(declineOf('tomorrow at 2:30am EST', 'Europe/Paris', '2027-03-13T12:00')).toBe('impossible');
  });

  it('gives a reason a UI can show', () => {
    expect(declineOf('every other day')).toBe('unsupported');
  });
});
