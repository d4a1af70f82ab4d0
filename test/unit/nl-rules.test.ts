// Repeating schedules, one grammar rule per block. Reference: Tuesday 24 Nov 2026, 10:00 Paris.
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/nl-parser/rules.ts';
import { nextRuns } from '../../src/scheduler/schedule.ts';
import { cronOf, declineOf, instant, intervalOf, parse } from './nl-helpers.ts';

describe('fixed repeats become intervals when nothing else constrains them', () => {
  it.each([
    ['every 15 s', 15],
    ['every 30 secs', 30],
    ['each second', 1],
    ['every minute', 60],
    ['every 5 mins', 300],
    ['every 45 minutes', 2700],
    ['every 90 minutes', 5400],
    ['every 1.5 hours', 5400],
    ['every half hour', 1800],
    ['every quarter of an hour', 900],
    ['every hour', 3600],
    ['once each hour', 3600],
    ['every other hour', 7200],
    ['every five hours', 18000],
    ['every 2 hrs', 7200],
    ['every 24 hours', 86400],
    ['every 2 days', 172800],
    ['every 14 days', 1209600],
  ])('%s → every %i s', (text, seconds) => {
    expect(intervalOf(text)).toBe(seconds);
  });

  it('anchors "every 5 hours starting at 1am" on the next 01:00, since 5 does not divide 24', () => {
    const r = parse('every 5 hours starting at 1am');
    expect(r.ok && r.schedule).toMatchObject({ kind: 'interval', everySeconds: 18000, anchor: '2026-11-25T00:00:00.000Z' });
  });
});

describe('calendar words become crons anchored on today, at 09:00 when no time is given', () => {
  it.each([
    ['hourly', '0 * * * *'],
    ['daily', '0 9 * * *'],
    ['every day', '0 9 * * *'],
    ['weekly', '0 9 * * 2'],
    ['once a week', '0 9 * * 2'],
    ['monthly', '0 9 24 * *'],
    ['each month', '0 9 24 * *'],
    ['yearly at 9:10', '10 9 24 11 *'],
    ['annually', '0 9 24 11 *'],
    ['quarterly', '0 9 1 */3 *'],
    ['every quarter at midnight', '0 0 1 */3 *'],
    // A period with no anchor starts today (Tuesday 24 November); quarters are the calendar's.
    ['every 6 months', '0 9 24 5,11 *'],
    ['every 3 months', '0 9 24 2,5,8,11 *'],
    ['once every 2 months at 14:00', '0 14 24 */2 *'],
    ['every other month', '0 9 24 */2 *'],
    ['every 12 months', '0 9 24 11 *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });
});

describe('times of day', () => {
  it.each([
    ['every day at 9', '0 9 * * *'],
    ['every day at 9am', '0 9 * * *'],
    ['every day at 9:30 pm', '30 21 * * *'],
    ['every day at 21:30', '30 21 * * *'],
    ['every day at 0930', '30 9 * * *'],
    ['every day at 9.30pm', '30 21 * * *'],
    ['every day at 9:04:52', '52 4 9 * * *'],
    ['every day at noon', '0 12 * * *'],
    ['every day at midnight', '0 0 * * *'],
    ['every day at 12am', '0 0 * * *'],
    ['every day at 12pm (noon)', '0 12 * * *'],
    ['every day at half past 9', '30 9 * * *'],
    ['every day at quarter to 5pm', '45 16 * * *'],
    ['every day at quarter past 3pm', '15 15 * * *'],
    ['every day at 20 past 9', '20 9 * * *'],
    ['every day at nine thirty pm', '30 21 * * *'],
    ['every day at 7 o\'clock', '0 7 * * *'],
    ['daily at 9 sharp', '0 9 * * *'],
    ['at 9am and 5pm every day', '0 9,17 * * *'],
    ['Every day at 10, 12 and 17', '0 10,12,17 * * *'],
    ['at 9 AM, 12 PM, and 3 PM every day', '0 9,12,15 * * *'],
    ['at 2:10pm and at 2:44pm every day', '10,44 14 * * *'],
    ['daily at 6:30 and 18:30', '30 6,18 * * *'],
    ['every evening at 6', '0 18 * * *'],
    ['every night at 10', '0 22 * * *'],
    ['every morning at 8', '0 8 * * *'],
    ['every day at 8 in the evening', '0 20 * * *'],
    ['every day at 0900 hours', '0 9 * * *'],
    ['every day, at 5 and 35 minutes past 2:00 pm', '5,35 14 * * *'],
    ['every day at 10 minutes to 6pm', '50 17 * * *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it('reads several times without a repeat word as a daily schedule (a one-off has one time)', () => {
    expect(cronOf('at 05:00 and 10:00')).toBe('0 5,10 * * *');
  });
});

describe('weekdays', () => {
  it.each([
    ['every weekday at 9am', '0 9 * * 1-5'],
    ['on weekdays at 9', '0 9 * * 1-5'],
    ['every workday at 8:30', '30 8 * * 1-5'],
    ['on working days at 8', '0 8 * * 1-5'],
    ['every weekend', '0 9 * * 0,6'],
    ['weekends at noon', '0 12 * * 0,6'],
    ['mon-fri at 9', '0 9 * * 1-5'],
    ['monday through friday at 9', '0 9 * * 1-5'],
    ['tuesdays and thursdays at 10am', '0 10 * * 2,4'],
    ['on tues,thur-sat at 8', '0 8 * * 2,4-6'],
    ['every mon wed fri at 7', '0 7 * * 1,3,5'],
    ['every tue/thu at 6pm', '0 18 * * 2,4'],
    ['on fri-mon at 8', '0 8 * * 0,1,5,6'],
    ['Every week on Monday, Wednesday', '0 9 * * 1,3'],
    ['friday 15:44', '44 15 * * 5'],
    ['every monday morning at 9', '0 9 * * 1'],
    ['weekday mornings at 7:30', '30 7 * * 1-5'],
    ['every day except sundays at 9', '0 9 * * 1-6'],
    ['every day but sunday at 9', '0 9 * * 1-6'],
    ['every weekday except friday at 8', '0 8 * * 1-4'],
    ['every day at 9 except weekends', '0 9 * * 1-5'],
    ['everyday at 9am', '0 9 * * *'],
    ['every work day at 8', '0 8 * * 1-5'],
    ['mornings at 8', '0 8 * * *'],
    ['saturday mornings at 9', '0 9 * * 6'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });
});

describe('days of the month and weekdays of the month', () => {
  it.each([
    ['on the 1st of every month', '0 9 1 * *'],
    ['on the 15th of every month at 9', '0 9 15 * *'],
    ['the 1st day of every month at 1 AM', '0 1 1 * *'],
    ['every 1st day of the month at 8', '0 8 1 * *'],
    ['on the 1st and 15th at 9am', '0 9 1,15 * *'],
    ['on days 10 and 20 at 8', '0 8 10,20 * *'],
    ['every 15th at noon', '0 12 15 * *'],
    ['last day of the month', '0 9 L * *'],
    ['every month on the last day at 23:59', '59 23 L * *'],
    ['on the last weekday of the month at 5pm', '0 17 LW * *'],
    ['on the first weekday of the month', '0 9 1W * *'],
    ['first business day of the month at 9am', '0 9 1W * *'],
    ['last working day of the month at 5pm', '0 17 LW * *'],
    ['first monday of the month', '0 9 * * 1#1'],
    ['last friday of every month at 10:15am', '15 10 * * 5#L'],
    ['Every month on the 3rd Tuesday', '0 9 * * 2#3'],
    ['every second tuesday of the month', '0 9 * * 2#2'],
    ['the first and third monday of every month at 9', '0 9 * * 1#1,1#3'],
    ['Every year on the 1st Friday', '0 9 * 1 5#1'],
    ['every year on the last friday', '0 9 * 12 5#L'],
    ['every 5 days every month, starting on the first day of the month, at noon', '0 12 1-31/5 * *'],
    ['every 10 days of the month', '0 9 1-31/10 * *'],
    ['Every month on the first friday and third wednesday', '0 9 * * 5#1,3#3'],
    ['every 6 months on the 2nd Wednesday', '0 9 * 5,11 3#2'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });
});

describe('months and yearly dates', () => {
  it.each([
    ['every january 1st', '0 9 1 1 *'],
    ['every November 11th at 11:11am', '11 11 11 11 *'],
    ['every year on dec 24 at 9am', '0 9 24 12 *'],
    ['at 11:11am on the 11th day of November', '11 11 11 11 *'],
    ['in march and june at 9am', '0 9 * 3,6 *'],
    ['at midnight during January and July', '0 0 * 1,7 *'],
    ['on jan feb mar at 9:30', '30 9 * 1-3 *'],
    ['every monday from march to june at 9', '0 9 * 3-6 1'],
    ['between march and june every monday at 9', '0 9 * 3-6 1'],
    ['at 2:10pm and 2:44pm every Wednesday in the month of March', '10,44 14 * 3 3'],
    ['every 15 minutes on dec 24', '*/15 * 24 12 *'],
    ['every 15 minutes from 5 through 15 of december and january', '*/15 * 5-15 1,12 *'],
    ['the last day of every february', '0 9 L 2 *'],
    ['every January on the 15th', '0 9 15 1 *'],
    ['every April and December on the 1st and 24th', '0 9 1,24 4,12 *'],
    ['on march and april from 15 through 25 on every 2 hours', '0 */2 15-25 3,4 *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });
});

describe('repeats within the day and constrained repeats', () => {
  it.each([
    // A window's end on the hour is exclusive: 9am–5pm fires last at 16:45.
    ['every 15 minutes between 9am and 5pm on weekdays', '*/15 9-16 * * 1-5'],
    ['every 15 minutes 9am-5pm', '*/15 9-16 * * *'],
    ['every 15 minutes between 9 and 17', '*/15 9-16 * * *'],
    // An end with minutes is inclusive: 5:55 pm is the last run.
    ['every 5 minutes Monday through Friday between 8:00 am and 5:55 pm', '*/5 8-17 * * 1-5'],
    ['every minute starting at 2pm and ending at 2:59pm', '* 14 * * *'],
    ['every minute starting at 2pm and ending at 2:05pm', '0-5 14 * * *'],
    ['every 30 minutes between 10pm and 2am', '*/30 0,1,22,23 * * *'],
    ['every 2 hours between the 5th and 10th hour', '0 5-9/2 * * *'],
    ['every 2 hours between 9:30am and 5:30pm', '30 9-17/2 * * *'],
    // Hour repeats include the end instant: "every hour from 9 to 5" fires at 17:00 too.
    ['every hour from 9am to 5pm on weekdays', '0 9-17 * * 1-5'],
    ['every 2 hours between 9am and 5pm', '0 9-17/2 * * *'],
    ['every 3 hours between 8am and 8pm', '0 8-20/3 * * *'],
    ['every 10 seconds between 9am and 5pm', '*/10 * 9-16 * * *'],
    ['every 30 minutes between 8:00 pm and 11:59 pm Monday through Friday', '*/30 20-23 * * 1-5'],
    ['every 15 minutes after 7:00am and before 6:00pm', '*/15 7-17 * * *'],
    ['every 15 minutes starting on the 4th minute', '4-59/15 * * * *'],
    ['every 3 hours starting at 1am', '0 1-23/3 * * *'],
    ['every 10 minutes Monday through Friday', '*/10 * * * 1-5'],
    ['tuesday each 10 minutes', '*/10 * * * 2'],
    ['every 20 seconds mondays tuesdays wednesdays', '*/20 * * * * 1-3'],
    ['every 3 hours on workdays', '0 */3 * * 1-5'],
    ['every 1 hour on dec 24', '0 * 24 12 *'],
    ['hourly on weekdays', '0 * * * 1-5'],
    ['every hour at :30', '30 * * * *'],
    ['hourly at :15', '15 * * * *'],
    ['every 2 hours at :30', '30 */2 * * *'],
    ['every hour on the half hour', '30 * * * *'],
    ['at 20 past every hour on the 5th of July', '20 * 5 7 *'],
    ['at quarter past and quarter to every hour', '15,45 * * * *'],
    ['at minutes 15 and 45 past every hour', '15,45 * * * *'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it('unites windows that share their minutes', () => {
    const text = 'every 5 minutes starting at 2pm and ending at 2:55pm, AND fire every 5 minutes starting at 6pm and ending at 6:55pm';
    expect(cronOf(text)).toBe('*/5 14,18 * * *');
  });
});

describe('time zones named in the phrase', () => {
  it.each([
    ['every day at 9 EST', '0 9 * * * @America/New_York'],
    ['every day at 9am PST', '0 9 * * * @America/Los_Angeles'],
    ['every day at 9 in Tokyo time', '0 9 * * * @Asia/Tokyo'],
    ['every day at 9am New York time', '0 9 * * * @America/New_York'],
    ['every day at 9am pacific time', '0 9 * * * @America/Los_Angeles'],
    ['every day at 9am IST', '0 9 * * * @Asia/Kolkata'],
    ['every day at 9am JST', '0 9 * * * @Asia/Tokyo'],
    ['every weekday at 9am London time', '0 9 * * 1-5 @Europe/London'],
    ['every day at 9am (UTC)', '0 9 * * * @UTC'],
    ['every day at 9am GMT', '0 9 * * * @UTC'],
    ['every day at 9am UTC+2', '0 9 * * * @Etc/GMT-2'],
    ['every day at 9am in America/Chicago', '0 9 * * * @America/Chicago'],
    ['every day at 7:00 AM Eastern', '0 7 * * * @America/New_York'],
    ['Run at 6:00 pm (UTC) every Monday through Friday', '0 18 * * 1-5 @UTC'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it('keeps 09:00 local across the daylight-saving change for a daily cron', () => {
    const r = parse('every day at 9', 'America/New_York', '2027-03-12T10:00');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const runs = nextRuns(r.schedule, instant('2027-03-12T10:00', 'America/New_York'), 3).map((d) => d.toISOString());
    expect(runs).toEqual(['2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z', '2027-03-15T13:00:00.000Z']);
  });
});

describe('pasted cron', () => {
  it.each([
    ['0 9 * * 1-5', '0 9 * * 1-5'],
    ['cron: */5 * * * *', '*/5 * * * *'],
    ['@daily', '0 0 * * *'],
    ['0 9 * * MON-FRI', '0 9 * * MON-FRI'],
    ['0 0 9 * * 1-5', '0 0 9 * * 1-5'],
    ['0 9 * * 1-5 Europe/London', '0 9 * * 1-5 @Europe/London'],
  ])('%s → %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it('reads "@every 15m" as an interval and keeps an instruction after the cron', () => {
    expect(intervalOf('@every 15m')).toBe(900);
    const r = parseRules('0 9 * * 1-5 summarize HN', { timezone: 'UTC', now: new Date('2026-11-24T10:00:00Z') });
    expect(r.ok && r.task).toEqual({ name: 'Summarize HN', prompt: 'Summarize HN' });
  });

  it('refuses Quartz-style crons whose weekday numbers would be misread, and crons that never fire', () => {
    expect(declineOf('0 15 10 ? * 6L')).toBe('not_understood');
    expect(declineOf('0 15 10 * * ? 2005')).toBe('not_understood');
    expect(declineOf('0 0 31 2 *')).toBe('impossible');
    expect(declineOf('@reboot')).toBe('not_understood');
  });
});
