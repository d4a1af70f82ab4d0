/**
 * UTC ↔ wall-clock conversion for IANA zones, fast enough for the scheduler's hot path.
 *
 * `Intl.DateTimeFormat` is the source of truth (it is what croner reads, so both agree on every
 * offset), but one call costs ~3 µs and a local-to-UTC resolution needs several. So each zone's
 * offset history is read once, lazily, a year-long bucket at a time: offsets are sampled every few
 * days and each change is pinned to the second by bisection. Lookups are then a map get and a scan
 * of the bucket's (usually 0–2) transitions. Dates past the tz database's explicit data follow the
 * zone's current rules, because that is what Intl does.
 *
 * Wall times are passed around as "wall ms": the local date-time encoded as if it were UTC
 * (`Date.UTC(y, m - 1, d, h, mi, s)`), which keeps calendar arithmetic in plain numbers.
 */

import { DAY_MS, daysFromCivil } from './civil.ts';

/** Bucket length: 365 days (whole seconds, so bisection stays on second boundaries). */
const BUCKET_MS = 365 * DAY_MS;
/**
 * Sampling step. A change that is undone within one step would be missed. Scanning every zone Intl
 * knows (tz 2026c), daily over 1900–2040 and 3-hourly over 1970–2040, the closest pair of changes
 * is 7 days apart (Brazil's one-week DST of October 2000), so 3 days is safe; a finer step costs a
 * proportionally slower first lookup per zone-year (~120 Intl calls, ~0.5 ms, now).
 */
const SAMPLE_MS = 3 * DAY_MS;
/** Every UTC offset in the tz database (LMT included) is within ±16 h; look this far for a wall time. */
const WINDOW_MS = 18 * 3_600_000;

interface Bucket {
  /** Offset (wall − UTC, ms) at the bucket's first instant. */
  readonly offset0: number;
  /** Instants in (start, end] at which the offset changes, ascending, and the offset from each. */
  readonly times: readonly number[];
  readonly offsets: readonly number[];
}

interface ZoneTable {
  readonly fmt: Intl.DateTimeFormat;
  readonly buckets: Map<number, Bucket>;
}

/**
 * A bounded cache of zone tables. At most `maxZones` zones (oldest dropped first) of at most
 * `maxBuckets` years each; a bucket is ~100 bytes, so the defaults cap it at a few MB, and a
 * scheduler that sees a dozen zones over a few years uses a few KB.
 */
export interface TzCache {
  readonly zones: Map<string, ZoneTable>;
  readonly maxZones: number;
  readonly maxBuckets: number;
}

export function createTzCache(maxZones = 512, maxBuckets = 128): TzCache {
  return { zones: new Map(), maxZones, maxBuckets };
}

/** The process-wide cache the scheduler uses unless given another; bounded as described above. */
export const sharedTzCache: TzCache = createTzCache();

/** How a wall time maps to instants. `utcMs` is the first valid instant at or after it. */
export interface LocalResolution {
  /** The instant; the earlier one in a fold; in a gap, the transition (the first instant after the gap). */
  utcMs: number;
  /** The later instant of a fold, else NaN. */
  laterUtcMs: number;
  /** The wall time occurs twice (clocks were set back). */
  inFold: boolean;
  /** The wall time never occurs (clocks were set forward past it). */
  inGap: boolean;
}

function zoneTable(cache: TzCache, zone: string): ZoneTable {
  let table = cache.zones.get(zone);
  if (table) return table;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
  } catch {
    throw new RangeError(`unknown time zone "${zone}"`);
  }
  table = { fmt, buckets: new Map() };
  if (cache.zones.size >= cache.maxZones) {
    const oldest = cache.zones.keys().next().value;
    if (oldest !== undefined) cache.zones.delete(oldest);
  }
  cache.zones.set(zone, table);
  return table;
}

const YEAR_ONE_MS = -62_135_596_800_000; // 0001-01-01T00:00Z

/** Reads Intl's wall time for an instant (second precision) and returns wall − UTC in ms. */
function rawOffset(fmt: Intl.DateTimeFormat, utcMs: number): number {
  const text = fmt.format(utcMs); // "3/8/2026, 03:00:00"
  const n = [0, 0, 0, 0, 0, 0];
  let k = -1;
  let inNumber = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (!inNumber) {
        k++;
        inNumber = true;
      }
      if (k < 6) n[k] = (n[k] as number) * 10 + c;
    } else {
      inNumber = false;
    }
  }
  if (k !== 5) throw new Error(`unexpected Intl date format "${text}"`);
  const [mo, d, ya, h, mi, s] = n as [number, number, number, number, number, number];
  // Without an era, years before 1 AD print as 1, 2, … BC; count them astronomically (1 BC = 0).
  const y = utcMs < YEAR_ONE_MS - DAY_MS || (utcMs < YEAR_ONE_MS + DAY_MS && mo === 12) ? 1 - ya : ya;
  const wall = daysFromCivil(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + s * 1000;
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** Pins every change between a (offset oa) and b (offset ob) to the second, appending them. */
function bisect(fmt: Intl.DateTimeFormat, a: number, oa: number, b: number, ob: number, times: number[], offsets: number[]): void {
  // Several changes in one step (rare) are found one after another, each from the last.
  while (oa !== ob) {
    let lo = a;
    let hi = b;
    let ohi = ob;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      const om = rawOffset(fmt, mid);
      if (om === oa) lo = mid;
      else {
        hi = mid;
        ohi = om;
      }
    }
    times.push(hi);
    offsets.push(ohi);
    a = hi;
    oa = ohi;
  }
}

function computeBucket(fmt: Intl.DateTimeFormat, k: number): Bucket {
  const start = k * BUCKET_MS;
  const end = start + BUCKET_MS;
  const offset0 = rawOffset(fmt, start);
  const times: number[] = [];
  const offsets: number[] = [];
  let prevX = start;
  let prevO = offset0;
  while (prevX < end) {
    const x = Math.min(prevX + SAMPLE_MS, end);
    const o = rawOffset(fmt, x);
    if (o !== prevO) bisect(fmt, prevX, prevO, x, o, times, offsets);
    prevX = x;
    prevO = o;
  }
  return { offset0, times, offsets };
}

function bucketAt(cache: TzCache, table: ZoneTable, k: number): Bucket {
  let bucket = table.buckets.get(k);
  if (bucket) return bucket;
  bucket = computeBucket(table.fmt, k);
  if (table.buckets.size >= cache.maxBuckets) {
    const oldest = table.buckets.keys().next().value;
    if (oldest !== undefined) table.buckets.delete(oldest);
  }
  table.buckets.set(k, bucket);
  return bucket;
}

function offsetIn(bucket: Bucket, utcMs: number): number {
  let offset = bucket.offset0;
  const { times, offsets } = bucket;
  for (let i = 0; i < times.length && utcMs >= (times[i] as number); i++) offset = offsets[i] as number;
  return offset;
}

/** Offset of `zone` at an instant: wall − UTC in ms (e.g. −18,000,000 for New York in winter). */
export function offsetAt(zone: string, utcMs: number, cache: TzCache = sharedTzCache): number {
  const table = zoneTable(cache, zone);
  return offsetIn(bucketAt(cache, table, Math.floor(utcMs / BUCKET_MS)), utcMs);
}

/** The wall time (as wall ms, whole seconds) that `zone` shows at an instant. */
export function wallAt(zone: string, utcMs: number, cache: TzCache = sharedTzCache): number {
  return Math.floor(utcMs / 1000) * 1000 + offsetAt(zone, utcMs, cache);
}

/** The first offset change strictly after `utcMs` and at or before `limitMs`, or null. */
export function nextTransition(zone: string, utcMs: number, limitMs: number, cache: TzCache = sharedTzCache): number | null {
  const table = zoneTable(cache, zone);
  for (let k = Math.floor(utcMs / BUCKET_MS); k * BUCKET_MS <= limitMs; k++) {
    for (const t of bucketAt(cache, table, k).times) {
      if (t > limitMs) return null;
      if (t > utcMs) return t;
    }
  }
  return null;
}

/**
 * Resolves a wall time (wall ms) in `zone` to instants, exactly: every stretch of constant offset
 * near it is tried, so folds and gaps of any size (30-minute Lord Howe, whole skipped days) come
 * out right.
 */
export function localToUtc(zone: string, wallMs: number, cache: TzCache = sharedTzCache): LocalResolution {
  const table = zoneTable(cache, zone);
  const from = wallMs - WINDOW_MS;
  const to = wallMs + WINDOW_MS;
  let k = Math.floor(from / BUCKET_MS);
  let bucket = bucketAt(cache, table, k);
  let offset = offsetIn(bucket, from);
  let start = Number.NEGATIVE_INFINITY;
  let first = Number.NaN;
  let last = Number.NaN;
  let gap = Number.NaN;
  for (;;) {
    const { times, offsets } = bucket;
    for (let i = 0; i < times.length; i++) {
      const t = times[i] as number;
      if (t <= from) continue;
      if (t > to) break;
      // The stretch [start, t) has `offset`; the wall time falls in it if wall − offset does.
      const u = wallMs - offset;
      if (u >= start && u < t) {
        if (Number.isNaN(first)) first = u;
        else last = u;
      }
      const next = offsets[i] as number;
      if (wallMs >= t + offset && wallMs < t + next) gap = t;
      start = t;
      offset = next;
    }
    if ((k + 1) * BUCKET_MS > to) break;
    bucket = bucketAt(cache, table, ++k);
  }
  const u = wallMs - offset;
  if (u >= start) {
    if (Number.isNaN(first)) first = u;
    else last = u;
  }
  if (!Number.isNaN(first)) return { utcMs: first, laterUtcMs: last, inFold: !Number.isNaN(last), inGap: false };
  return { utcMs: gap, laterUtcMs: Number.NaN, inFold: false, inGap: true };
}
