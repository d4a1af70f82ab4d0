// The conventions of everyday English the rules follow (issue #14, item 2), one block each, read
// at Tuesday 24 November 2026, 10:00 in Paris. What needs a recurrence rule (every other week,
// fortnightly, every N weeks, …) is declined so the LLM reads it: never a cron that is wrong.
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/nl-parser/rules.ts';
import { cronOf, declineOf, instant, intervalOf, NOW, onceOf, parse, ZONE } from './nl-helpers.ts';

const notesOf = (text: string) => {
  const r = parse(text);
  if (!r.ok) throw new Error(`"${text}" was declined: ${r.reason}`);
  return r.notes ?? [];
};

describe('a period with no anchor starts today, in the user zone', () => {
  it.each([
    ['every week', '0 9 * * 2'],
    ['weekly at 8am', '0 8 * * 2'],
    ['every month', '0 9 24 * *'],
    ['monthly at noon', '0 12 24 * *'],
    ['every year', '0 9 24 11 *'],
    ['every 3 months', '0 9 24 2,5,8,11 *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it('says which day it anchored on and that the time is a default', () => {
    expect(notesOf('every week')).toEqual(["every week on Tuesday (today's weekday)", 'no time given: 09:00']);
    expect(notesOf('monthly')).toEqual(["on the 24th (today's date)", 'no time given: 09:00']);
  });

  it('anchors in the user zone, not the server one', () => {
    // 23:30 on Tuesday in New York is already Wednesday in UTC.
    expect(cronOf('every week', 'America/New_York', '2026-11-24T23:30')).toBe('0 9 * * 2');
  });

  it('declines a month anchor on a day some months lack', () => {
    expect(declineOf('every month', ZONE, '2027-01-30T08:00')).toBe('ambiguous');
  });

  it('keeps calendar quarters for "quarterly"', () => {
    expect(cronOf('quarterly')).toBe('0 9 1 */3 *');
  });
});

describe('a day or date without a repeat word is one time', () => {
  it.each([
    ['Fri at 7pm', '2026-11-27T19:00:00'],
    ['friday', '2026-11-27T09:00:00'],
    ['the 27th', '2026-11-27T09:00:00'],
    ['on the 7th', '2026-12-07T09:00:00'],
    ['at 9am on Saturday', '2026-11-28T09:00:00'],
    ['Thursday 8:00 GMT', '2026-11-26T08:00:00 @UTC'],
    ['tuesday at 9am', '2026-12-01T09:00:00'],
    ['Fri, Nov 27 at 4pm', '2026-11-27T16:00:00'],
    ['call grandma on sunday', '2026-11-29T09:00:00'],
  ])('%s → once %s', (text, at) => {
    expect(onceOf(text)).toBe(at);
  });

  it.each([
    ['Fridays at 7pm', '0 19 * * 5'],
    ['every friday', '0 9 * * 5'],
    ['every 27th', '0 9 27 * *'],
    ['on the 15th of each month', '0 9 15 * *'],
    // The timetable style of cron front-ends stays weekly: a weekday, then a 24-hour time.
    ['friday 15:44', '44 15 * * 5'],
    ['on tues', '0 9 * * 2'],
  ])('%s repeats → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it('asks whether the last day (or first or last weekday) of one named month is once or yearly', () => {
    // Cron front-ends read "the 11th day of November" as yearly; to-do apps read a date as once.
    expect(declineOf('last day of feb')).toBe('ambiguous');
    expect(declineOf('the last weekday of january at 5pm')).toBe('ambiguous');
    expect(cronOf('the last day of every february')).toBe('0 9 L 2 *');
    expect(cronOf('the last day of february every year')).toBe('0 9 L 2 *');
    expect(cronOf('every month on the last day at 6pm')).toBe('0 18 L * *');
  });

  it('declines a weekday that the date contradicts', () => {
    expect(declineOf('friday the 13th at 9')).toBe('contradictory');
  });
});

describe('parts of the day as times', () => {
  it.each([
    ['every morning', '0 9 * * *'],
    ['every afternoon', '0 12 * * *'],
    ['every evening', '0 19 * * *'],
    ['every night', '0 22 * * *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it.each([
    ['tomorrow evening', '2026-11-25T19:00:00'],
    ['tonight', '2026-11-24T22:00:00'],
    ['12 noon tomorrow', '2026-11-25T12:00:00'],
    ['at 12a', '2026-11-25T00:00:00'],
    ['at 3p', '2026-11-24T15:00:00'],
    ['tomorrow', '2026-11-25T09:00:00'],
    ['dec 24', '2026-12-24T09:00:00'],
  ])('%s → once %s', (text, at) => {
    expect(onceOf(text)).toBe(at);
  });

  it('reads several parts of the day as several times', () => {
    expect(cronOf('every morning and evening')).toBe('0 9,19 * * *');
    expect(declineOf('every morning and evening at 8')).toBe('contradictory');
  });

  it('reads midnight every night as 00:00 each day, but asks on set nights', () => {
    expect(cronOf('every night at midnight')).toBe('0 0 * * *');
    expect(cronOf('at midnight every night')).toBe('0 0 * * *');
    expect(declineOf('every friday night at midnight')).toBe('ambiguous');
  });

  it('declines military slang instead of reading "zero" as midnight', () => {
    expect(declineOf('at zero dark thirty')).toBe('ambiguous');
  });

  it('notes a default time and a part of the day', () => {
    expect(notesOf('dec 24')).toEqual(['no time given: 09:00']);
    expect(notesOf('tomorrow evening')).toEqual(['evening: 19:00']);
  });
});

describe('ordinals', () => {
  it.each([
    ['every 3rd friday', '0 9 * * 5#3'],
    ['every first workday', '0 9 1W * *'],
    ['every last workday at 5pm', '0 17 LW * *'],
    ['every last day', '0 9 L * *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it('asks whether "every second tuesday" is of the month or every other week', () => {
    expect(declineOf('every second tuesday')).toBe('ambiguous');
  });
});

describe('hours by office convention', () => {
  it.each([
    ['every hour 9 to 5', '0 9-17 * * *'],
    ['every hour between 9 and 5', '0 9-17 * * *'],
    ['every hour from 8am to 5pm on the hour', '0 8-17 * * *'],
    ['every 2 hours from 9 to 5 on weekdays', '0 9-17/2 * * 1-5'],
    ['at 10 minutes past the hour', '10 * * * *'],
    ['every minute at second 10', '10 * * * * *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it.each(['every hour between 2 and 4', 'at 9 and 5', 'every weekday at 9 and 5'])('asks am or pm for "%s"', (text) => {
    expect(declineOf(text)).toBe('ambiguous');
  });
});

describe('a bare month word is not a set of months', () => {
  it.each(['call jan at 3pm', 'meet may on friday at noon', 'march at 9am'])('"%s" is not read as a month', (text) => {
    expect(declineOf(text)).toBe('ambiguous');
  });

  it('keeps a month after a lead word, in a list, or in timetable order', () => {
    expect(cronOf('every day in march')).toBe('0 9 * 3 *');
    expect(cronOf('jan feb mar at 9:30')).toBe('30 9 * 1-3 *');
    expect(cronOf('august friday 15:44')).toBe('44 15 * 8 5');
  });
});

describe('repeats in compound amounts and insisting words', () => {
  it.each([
    ['every 2 and a half hours', 9000],
    ['every 1 hour 30 minutes', 5400],
    ['every 1h30m', 5400],
    ['once an hour', 3600],
  ])('%s → every %i s', (text, seconds) => {
    expect(intervalOf(text)).toBe(seconds);
  });

  it('reads "at 21h" (the French-style hour alone) only after "at"', () => {
    expect(cronOf('every day at 21h')).toBe('0 21 * * *');
    expect(intervalOf('every 2h')).toBe(7200);
  });

  it('reads "other than" as an exception of weekdays', () => {
    expect(cronOf('every weekday other than friday at 8')).toBe('0 8 * * 1-4');
    expect(onceOf('eat anything other than pizza at 5pm')).toBe('2026-11-24T17:00:00');
  });

  it('reads "exactly" and "on the dot" as the time itself', () => {
    expect(onceOf('at exactly 9am')).toBe('2026-11-25T09:00:00');
    expect(cronOf('every day at 9am on the dot')).toBe('0 9 * * *');
  });

  it('declines a compound amount with calendar days', () => {
    expect(declineOf('every 2 days 3 hours')).toBe('ambiguous');
  });
});

describe('durations', () => {
  it.each([
    ['in half an hour', '2026-11-24T10:30:00'],
    ['in a quarter of an hour', '2026-11-24T10:15:00'],
    ['in 1/2 hour', '2026-11-24T10:30:00'],
    ['in 2 and a half hours', '2026-11-24T12:30:00'],
    ['in a fortnight', '2026-12-08T10:00:00'],
    ['in 2 more minutes', '2026-11-24T10:02:00'],
  ])('%s → once %s', (text, at) => {
    expect(onceOf(text)).toBe(at);
  });
});

describe('dates and the locale', () => {
  const at = (text: string, locale?: string) => {
    const r = parseRules(text, { timezone: ZONE, now: instant(NOW), ...(locale ? { locale } : {}) });
    return r.ok && r.schedule.kind === 'once' ? r.schedule.at : r.ok ? 'not once' : `declined: ${r.kind}`;
  };

  it('reads "4/25 at 16h00" and "19h30"', () => {
    expect(onceOf('4/25 at 16h00')).toBe('2027-04-25T16:00:00');
    expect(onceOf('at 19h30')).toBe('2026-11-24T19:30:00');
  });

  it('reads 03/04 month first in en-US, day first in en-GB, and declines without a locale in Paris', () => {
    expect(at('03/04 at 9am', 'en-US')).toBe(instant('2027-03-04T09:00').toISOString());
    expect(at('03/04 at 9am', 'en-GB')).toBe(instant('2027-04-03T09:00').toISOString());
    expect(at('03/04 at 9am')).toBe('declined: ambiguous');
  });
});

describe('misspelt day and month names', () => {
  it('reads a name one edit away and notes the correction', () => {
    expect(cronOf('every wednsday at 9')).toBe('0 9 * * 3');
    expect(onceOf('febuary 3 at 9am')).toBe('2027-02-03T09:00:00');
    expect(notesOf('thrusday at 3pm')).toEqual(['read "thrusday" as Thursday']);
  });

  it('leaves real words alone', () => {
    expect(onceOf('ice cream sundae at 3pm')).toBe('2026-11-24T15:00:00');
  });
});

describe('counts without times', () => {
  it.each([
    ['twice a day', /at 09:00 and 21:00\?/],
    ['three times a week', /on Monday, Wednesday and Friday at 09:00\?/],
  ])('"%s" declines with a concrete question', (text, question) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(question);
  });
});

describe('the instruction', () => {
  it('keeps a duration inside the instruction and turns "remind me to" into the notify tool', () => {
    const r = parse('remind me to meditate for 3 minutes every day at noon');
    expect(r.ok && r.schedule.kind === 'cron' && r.schedule.cron).toBe('0 12 * * *');
    expect(r.ok && r.task).toEqual({ name: 'Meditate for 3 minutes', prompt: 'Meditate for 3 minutes', tools: ['notify'] });
  });

  it('reads "for 8 weeks" after a schedule as a bound, not as part of the instruction', () => {
    const r = parse('summarize the news every day at 9 for 8 weeks');
    expect(r.ok && r.task?.prompt).toBe('Summarize the news');
    expect(r.ok && r.bounds).toEqual({ endAt: '2027-01-19T09:00:00Z' });
  });

  it('declines when the instruction names a day the schedule leaves out', () => {
    expect(declineOf('monday meeting at 10')).toBe('ambiguous');
    expect(declineOf('send the friday newsletter every week')).toBe('ambiguous');
    expect(onceOf('monday meeting on monday at 10')).toBe('2026-11-30T10:00:00');
  });

  it('declines when a number ending the instruction may be the missing time', () => {
    // "for 7" is most likely 7 o'clock; a default 09:00 would be a wrong reading.
    expect(declineOf('set an alarm for 7 tomorrow')).toBe('ambiguous');
    expect(onceOf('call room 101 tomorrow at 4pm')).toBe('2026-11-25T16:00:00');
    expect(onceOf('book a table for 2 at 7pm')).toBe('2026-11-24T19:00:00');
  });

  it('reads "once daily" as a frequency, not a one-off', () => {
    expect(cronOf('once daily at 9')).toBe('0 9 * * *');
    expect(onceOf('once at 5pm')).toBe('2026-11-24T17:00:00');
  });

  it('keeps numbers that are not times in the instruction', () => {
    expect(intervalOf('take a 10 minute break every 2 hours')).toBe(7200);
    expect(onceOf('call room 101 at 5pm')).toBe('2026-11-24T17:00:00');
  });
});

describe('what needs a recurrence rule is declined, never a wrong cron', () => {
  it.each([
    'every other week',
    'every other week on monday at 9',
    'biweekly',
    'fortnightly',
    'every fortnight',
    'every 2 weeks',
    'every 3 weeks on friday',
    'every other tuesday',
    'every 2 years',
    'every 5 months',
    'the 4th of every 3 months',
    'first friday of every other month',
    'every other day at 9',
    'every 2 days at 9',
    'every week for 20 times',
  ])('"%s" declines', (text) => {
    expect(['unsupported', 'ambiguous', 'not_understood']).toContain(declineOf(text));
  });

  it('gives the exact cron for a month step that divides the year, anchored on today', () => {
    // Every 2 months from November: November (gone today at 09:00), January, March, …
    expect(cronOf('every other month')).toBe('0 9 24 */2 *');
  });
});
