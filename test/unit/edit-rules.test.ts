// The edit grammar on its own: each intent in several wordings, and the requests it must not read
// (a wrong edit moves someone's task silently; a decline goes to the LLM or back to the user).
import { describe, expect, it } from 'vitest';
import { readEditRules, type EditSubject } from '../../src/nl-parser/edit-rules.ts';

// Monday 7 December 2026, 11:00 in Paris.
const NOW = new Date('2026-12-07T10:00:00Z');
const zone = 'Europe/Paris';
const cron = (c: string): EditSubject => ({ spec: { kind: 'cron', cron: c, timezone: zone }, timezone: zone, enabled: true });
const daily = cron('0 9 * * *');
const once: EditSubject = { spec: { kind: 'once', at: '2026-12-10T08:00:00.000Z', timezone: zone }, timezone: zone, enabled: true };
const every: EditSubject = { spec: { kind: 'interval', everySeconds: 3600, timezone: zone }, timezone: zone, enabled: true };

const patch = (text: string, subject = daily) => {
  const r = readEditRules(text, subject, NOW);
  return r.ok ? r.patch : { declined: r.kind };
};

describe('readEditRules', () => {
  it.each([
    ['move it to 10am', '0 10 * * *'],
    ['Please change the time to 10:30.', '30 10 * * *'],
    ['at noon instead', '0 12 * * *'],
    ['make it 7pm', '0 19 * * *'],
    ['can you set it to 6:15 pm please', '15 18 * * *'],
    ['an hour later', '0 10 * * *'],
    ['push it 30 minutes earlier', '30 8 * * *'],
  ])('moves the time: %s', (text, expected) => expect(patch(text)).toEqual({ schedule: { cron: expected } }));

  it('keeps the days when it moves the time, and the seconds field when there is one', () => {
    expect(patch('move it to 10am', cron('0 9 * * 1-5'))).toEqual({ schedule: { cron: '0 10 * * 1-5' } });
    expect(patch('move it to 10am', cron('30 0 9 * * 1'))).toEqual({ schedule: { cron: '0 0 10 * * 1' } });
    expect(patch('move it to 10am', once)).toEqual({ schedule: { at: '2026-12-10T10:00:00.000+01:00' } });
  });

  it.each([
    ['skip weekends', '0 9 * * 1-5'],
    ['weekdays only', '0 9 * * 1-5'],
    ['not on fridays', '0 9 * * 0-4,6'],
    ['only on mondays and thursdays', '0 9 * * 1,4'],
    ['just tue, thu', '0 9 * * 2,4'],
  ])('changes the days: %s', (text, expected) => expect(patch(text)).toEqual({ schedule: { cron: expected } }));

  it('adds days to a weekly schedule', () => {
    expect(patch('also on saturdays', cron('0 9 * * 1-5'))).toEqual({ schedule: { cron: '0 9 * * 1-6' } });
  });

  it('pauses, resumes, and pauses until a day (the runs resume that day, 00:00 in the task zone)', () => {
    expect(patch('pause')).toEqual({ enabled: false });
    expect(patch('stop it for now')).toEqual({ enabled: false });
    expect(patch('resume it')).toEqual({ enabled: true });
    expect(patch('turn it back on')).toEqual({ enabled: true });
    // Said on a Monday: the next Monday.
    expect(patch('pause until Monday')).toEqual({ startAt: '2026-12-14T00:00:00+01:00' });
    expect(patch('pause it through friday')).toEqual({ startAt: '2026-12-12T00:00:00+01:00' });
    expect(patch('pause until Monday', { ...daily, enabled: false })).toEqual({ startAt: '2026-12-14T00:00:00+01:00', enabled: true });
  });

  it('ends after a month or a day, in the task zone', () => {
    expect(patch('stop after March')).toEqual({ endAt: '2027-04-01T00:00:00+02:00' });
    expect(patch('stop after dec 24')).toEqual({ endAt: '2026-12-25T00:00:00+01:00' });
    expect(patch('until June')).toEqual({ endAt: '2027-06-01T00:00:00+02:00' });
    expect(patch('keep it going through the end of january')).toEqual({ endAt: '2027-02-01T00:00:00+01:00' });
    expect(patch('never stop')).toEqual({ endAt: null });
  });

  it('replaces the whole schedule when the words give one, with its zone', () => {
    expect(patch('make it every friday at 5pm')).toEqual({ schedule: { cron: '0 17 * * 5' } });
    expect(patch('change it to daily at 8am')).toEqual({ schedule: { cron: '0 8 * * *' } });
    expect(patch('make it every day at 9am tokyo time')).toEqual({ schedule: { cron: '0 9 * * *' }, timezone: 'Asia/Tokyo' });
  });

  it('renames', () => {
    expect(patch('rename it to "Morning digest"')).toEqual({ name: 'Morning digest' });
  });

  it.each([
    ['make it every other week', daily],
    ['move it to 10am and skip weekends', daily],
    ['move it to tomorrow', daily],
    ['stop after 5 runs', daily],
    ['twice a day', daily],
    ['remind me about the dentist', daily],
    ['tomorrow at 3pm', daily],
    ['move it to 10am', cron('0 9,17 * * *')],
    ['move it to 10am', every],
    ['skip weekends', once],
    ['skip weekends', cron('0 9 1 * *')],
    ['an hour later', cron('0 23 * * *')],
  ])('declines what it cannot read exactly: %s', (text, subject) => {
    expect(readEditRules(text, subject, NOW).ok).toBe(false);
  });

  it('declines for sure what can never happen, so no LLM is asked', () => {
    expect(patch('move it to 8am', once)).toEqual({ schedule: { at: '2026-12-10T08:00:00.000+01:00' } });
    expect(patch('only on saturdays', cron('0 9 * * 1-5'))).toEqual({ declined: 'contradictory' });
  });
});
