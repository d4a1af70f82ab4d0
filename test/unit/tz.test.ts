import { describe, expect, it } from 'vitest';
import { createTzCache, localToUtc, nextTransition, offsetAt, wallAt } from '../../src/scheduler/tz.ts';
import { mulberry32 } from '../support/prng.ts';

const H = 3_600_000;
const wall = (iso: string) => Date.parse(`${iso}Z`); // a wall time, encoded as if UTC

const formats = new Map<string, Intl.DateTimeFormat>();

/** Intl's own offset for an instant, read from the "GMT+05:45" zone name (seconds included). */
function intlOffset(zone: string, ms: number): number {
  let fmt = formats.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formats.set(zone, fmt);
  }
  const name = fmt.format(ms);
  const m = /GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(name);
  if (!m?.[1]) return 0;
  const v = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === '-' ? -v : v;
}

describe('offsetAt', () => {
  it('agrees with Intl in every zone, 1900–2100', () => {
    const r = mulberry32(7);
    const cache = createTzCache();
    const mismatches: string[] = [];
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      for (let i = 0; i < 4; i++) {
        const t = Math.floor(Date.UTC(1900, 0, 1) + r() * (Date.UTC(2100, 0, 1) - Date.UTC(1900, 0, 1)));
        const want = intlOffset(zone, t);
        const got = offsetAt(zone, t, cache);
        if (got !== want) mismatches.push(`${zone} at ${new Date(t).toISOString()}: ${got} ≠ ${want}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('knows half-hour, 45-minute and far-future offsets', () => {
    expect(offsetAt('Asia/Kolkata', Date.UTC(2026, 0, 1))).toBe(5.5 * H);
    expect(offsetAt('Asia/Kathmandu', Date.UTC(2026, 0, 1))).toBe(5.75 * H);
    expect(offsetAt('Pacific/Chatham', Date.UTC(2026, 0, 1))).toBe(13.75 * H);
    // Beyond the tz database's explicit years Intl applies the current rules: EDT in July 2500.
    expect(offsetAt('America/New_York', Date.UTC(2500, 6, 1))).toBe(-4 * H);
  });
});

describe('localToUtc', () => {
  it('round-trips every instant (second precision) in every zone', () => {
    const r = mulberry32(8);
    const cache = createTzCache();
    const bad: string[] = [];
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      for (let i = 0; i < 3; i++) {
        const t = Math.floor((Date.UTC(1970, 0, 1) + r() * (Date.UTC(2040, 0, 1) - Date.UTC(1970, 0, 1))) / 1000) * 1000;
        const res = localToUtc(zone, wallAt(zone, t, cache), cache);
        if (res.utcMs !== t && res.laterUtcMs !== t) bad.push(`${zone} ${new Date(t).toISOString()}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('a spring-forward gap resolves to the transition', () => {
    expect(localToUtc('America/New_York', wall('2026-03-08T02:30:00'))).toEqual({ utcMs: Date.UTC(2026, 2, 8, 7), laterUtcMs: Number.NaN, inFold: false, inGap: true });
    expect(localToUtc('Europe/Paris', wall('2026-03-29T02:00:00')).utcMs).toBe(Date.UTC(2026, 2, 29, 1));
  });

  it('an autumn fold gives both instants', () => {
    const r = localToUtc('America/New_York', wall('2026-11-01T01:30:00'));
    expect(r).toEqual({ utcMs: Date.UTC(2026, 10, 1, 5, 30), laterUtcMs: Date.UTC(2026, 10, 1, 6, 30), inFold: true, inGap: false });
    // Lord Howe goes back 30 minutes at 02:00 (+11 → +10:30).
    const lh = localToUtc('Australia/Lord_Howe', wall('2026-04-05T01:45:00'));
    expect(lh.inFold).toBe(true);
    expect(lh.laterUtcMs - lh.utcMs).toBe(H / 2);
  });

  it('a whole skipped day (Samoa, 30 Dec 2011) is one gap', () => {
    const r = localToUtc('Pacific/Apia', wall('2011-12-30T12:00:00'));
    expect(r.inGap).toBe(true);
    expect(wallAt('Pacific/Apia', r.utcMs)).toBe(wall('2011-12-31T00:00:00'));
  });
});

describe('nextTransition', () => {
  it('finds the next change to the second, within a limit', () => {
    const t = Date.UTC(2026, 9, 1);
    expect(nextTransition('Europe/London', t, t + 60 * 86_400_000)).toBe(Date.UTC(2026, 9, 25, 1));
    expect(nextTransition('Europe/London', t, t + 86_400_000)).toBeNull();
    expect(nextTransition('Asia/Kolkata', t, t + 400 * 86_400_000)).toBeNull();
  });
});

describe('createTzCache', () => {
  it('is bounded in zones and years', () => {
    const cache = createTzCache(2, 3);
    for (const zone of ['UTC', 'Europe/Paris', 'Asia/Tokyo']) offsetAt(zone, 0, cache);
    expect([...cache.zones.keys()]).toEqual(['Europe/Paris', 'Asia/Tokyo']);
    for (let y = 2020; y < 2030; y++) offsetAt('Asia/Tokyo', Date.UTC(y, 5, 1), cache);
    expect(cache.zones.get('Asia/Tokyo')?.buckets.size).toBe(3);
  });

  it('rejects an unknown zone', () => {
    expect(() => offsetAt('Not/AZone', 0)).toThrow(/unknown time zone/);
  });
});
