import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { nextRun, nextRuns, type ScheduleSpec, toSpec } from '../../src/scheduler/schedule.ts';

const now = new Date('2026-11-25T11:27:00.000Z');

describe('schedule.ts on the in-house cron evaluator', () => {
  it('validates with the parser, prefixing its message', () => {
    expect(toSpec({ cron: '61 * * * *' }, 'Europe/Paris', { now })).toEqual({
      ok: false,
      error: { path: 'schedule.cron', message: 'invalid cron expression: Invalid value for minute: 61' },
    });
    expect(toSpec({ cron: '0 0 30 2 *' }, 'Europe/Paris', { now })).toEqual({
      ok: false,
      error: { path: 'schedule.cron', message: 'never fires (no such date exists)' },
    });
    expect(toSpec({ cron: ' @Daily ' }, 'Europe/Paris', { now })).toEqual({ ok: true, value: { kind: 'cron', cron: '0 0 * * *', timezone: 'Europe/Paris' } });
  });

  it('computes the same fires as croner, one compiled pattern serving every zone', () => {
    for (const timezone of ['Europe/Paris', 'America/New_York', 'Asia/Kathmandu']) {
      const spec: ScheduleSpec = { kind: 'cron', cron: '30 1 * * 1-5', timezone };
      const want = new Cron(spec.cron, { timezone, paused: true }).nextRuns(10, now);
      expect(nextRuns(spec, now, 10)).toEqual(want);
      expect(nextRun(spec, now)).toEqual(want[0]);
    }
  });
});
