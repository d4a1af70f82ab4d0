import { describe, expect, it } from 'vitest';
import { nextFire, type ScheduleSpec, splitZone, toSpec, withZone } from '../../src/scheduler/schedule.ts';

const now = new Date('2026-01-10T12:00:00Z');
const valid = (r: ReturnType<typeof toSpec>): ScheduleSpec => {
  if (!r.ok) throw new Error(`${r.error.path} ${r.error.message}`);
  return r.value;
};

describe('a ScheduleSpec and its two stored columns', () => {
  const specs: ScheduleSpec[] = [
    valid(toSpec({ cron: '0 9 * * 1-5' }, 'Europe/Paris', { now })),
    valid(toSpec({ every: '15m' }, 'Asia/Tokyo', { now })),
    valid(toSpec({ at: '2026-03-01T09:00:00' }, 'America/New_York', { now })),
    valid(toSpec({ rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO' }, 'Australia/Sydney', { now })),
  ];

  for (const spec of specs) {
    it(`splits a ${spec.kind} spec into a zoneless schedule and its zone, and joins them back unchanged`, () => {
      const { schedule, timezone } = splitZone(spec);
      expect(timezone).toBe(spec.timezone);
      // The schedule column must not carry a second copy of the zone that could disagree with the timezone column.
      expect(JSON.parse(JSON.stringify(schedule))).not.toHaveProperty('timezone');
      expect(withZone(JSON.parse(JSON.stringify(schedule)), timezone)).toEqual(spec);
    });
  }

  it('evaluates a joined cron in the zone of the timezone column (09:00 Paris is 08:00 UTC in January)', () => {
    const spec = withZone({ kind: 'cron', cron: '0 9 * * *' }, 'Europe/Paris');
    expect(nextFire(spec, now)?.toISOString()).toBe('2026-01-11T08:00:00.000Z');
    expect(nextFire(withZone({ kind: 'cron', cron: '0 9 * * *' }, 'UTC'), now)?.toISOString()).toBe('2026-01-11T09:00:00.000Z');
  });
});
