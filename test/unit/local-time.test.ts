import { describe, expect, it } from 'vitest';
import { createLocalTime } from '../../src/runner/local-time.ts';

describe('createLocalTime', () => {
  it('formats an instant in a zone with its offset, across DST and odd offsets', () => {
    const local = createLocalTime();
    expect(local(new Date('2026-07-01T12:00:00Z'), 'Europe/Paris')).toEqual({ text: 'Wednesday 2026-07-01 14:00:00', offset: '+02:00' });
    expect(local(new Date('2026-12-01T12:00:00Z'), 'Europe/Paris')).toEqual({ text: 'Tuesday 2026-12-01 13:00:00', offset: '+01:00' });
    expect(local(new Date('2026-07-01T12:00:00Z'), 'UTC')).toEqual({ text: 'Wednesday 2026-07-01 12:00:00', offset: '+00:00' });
    expect(local(new Date('2026-07-01T12:00:00Z'), 'Asia/Kolkata').offset).toBe('+05:30');
    expect(local(new Date('2026-07-01T12:00:00Z'), 'America/St_Johns')).toEqual({ text: 'Wednesday 2026-07-01 09:30:00', offset: '-02:30' });
  });

  it('answers from its cache within a second and recomputes after', () => {
    const local = createLocalTime();
    const a = local(new Date('2026-07-01T12:00:00.100Z'), 'Asia/Tokyo');
    expect(local(new Date('2026-07-01T12:00:00.900Z'), 'Asia/Tokyo')).toBe(a);
    expect(local(new Date('2026-07-01T12:00:01.000Z'), 'Asia/Tokyo').text).toBe('Wednesday 2026-07-01 21:00:01');
  });
});
