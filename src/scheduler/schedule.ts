import { DateTime, IANAZone } from 'luxon';
import type { Result } from '../errors.ts';
import { INSTANT_RANGE, isInstantInRange, MAX_INSTANT_MS } from '../models/ranges.ts';
import { type CompiledCron, cronNext, cronNextN, parseCron } from './cron.ts';
import { describeCron } from './describe.ts';
import { checkRRule, describeRRuleSpec, rruleMinGap, rruleNextRuns } from './rrule-spec.ts';

/**
 * A validated, normalized schedule. Always carries an IANA zone: cron is evaluated in it, a local
 * `at` was resolved in it, and descriptions are written in it. Instants are ISO strings in UTC.
 */
export type ScheduleSpec =
  | { kind: 'cron'; cron: string; timezone: string }
  // `anchor` pins the phase: runs fall at anchor + k·everySeconds, so a slow run never makes them drift.
  | { kind: 'interval'; everySeconds: number; anchor?: string; timezone: string }
  | { kind: 'once'; at: string; timezone: string }
  // `rrule`: RFC 5545 text with DTSTART's defaults written in; `dtstart`: a local date-time in the
  // zone (YYYY-MM-DDTHH:mm:ss), the anchor of INTERVAL and COUNT.
  | { kind: 'rrule'; rrule: string; dtstart: string; timezone: string };

/** A spec without its zone: the form stored in tasks.schedule, whose zone is the tasks.timezone column. */
export type ZonelessSpec = ScheduleSpec extends infer S ? (S extends unknown ? Omit<S, 'timezone'> : never) : never;

/** The spec of a stored schedule in its zone: the one place a row's two columns become one value. */
export function withZone(schedule: ZonelessSpec, timezone: string): ScheduleSpec {
  return { ...schedule, timezone };
}

/** The spec as its two stored columns (tasks.schedule, tasks.timezone). */
export function splitZone(spec: ScheduleSpec): { schedule: ZonelessSpec; timezone: string } {
  const { timezone, ...schedule } = spec;
  return { schedule, timezone };
}

/** What a client may send as a schedule (API.md), before validation. `text` is handled by the NL parser. */
export type ScheduleInput = { cron: string } | { every: string | number } | { at: string } | { rrule: string; dtstart?: string };

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const MAX_INTERVAL_SECONDS = 366 * 86400;

// IANAZone.isValidZone builds an Intl.DateTimeFormat on every call (~0.2 ms on a small machine),
// and every toSpec/checkSpec asks; zones repeat, so remember the answer for a bounded number of names.
const ZONE_CACHE_MAX = 512;
const zoneValidity = new Map<string, boolean>();

export function isValidTimezone(zone: string): boolean {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length >= 64) return false;
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (zoneValidity.size >= ZONE_CACHE_MAX) {
      const oldest = zoneValidity.keys().next().value;
      if (oldest !== undefined) zoneValidity.delete(oldest);
    }
    zoneValidity.set(zone, valid);
  }
  return valid;
}

// A compiled cron is ~260 bytes and takes ~1-2 µs to build, so a bounded cache by pattern (the
// zone is an argument of evaluation, not part of the compiled form) covers the shared patterns
// ("0 9 * * 1-5") of a busy claim loop in ~1 MB; a miss is cheap. Least recently used goes first.
const CRON_CACHE_MAX = 4096;
const cronCache = new Map<string, CompiledCron>();

/** The compiled form of a pattern; throws the parser's error for an invalid one. */
function cronFor(pattern: string): CompiledCron {
  let cron = cronCache.get(pattern);
  if (cron) {
    cronCache.delete(pattern);
  } else {
    cron = parseCron(pattern);
    if (cronCache.size >= CRON_CACHE_MAX) {
      const oldest = cronCache.keys().next().value;
      if (oldest !== undefined) cronCache.delete(oldest);
    }
  }
  cronCache.set(pattern, cron);
  return cron;
}

/** Expands a nickname and collapses whitespace, so equal schedules compare equal. */
export function normalizeCron(expr: string): string {
  const trimmed = expr.trim().replace(/\s+/g, ' ');
  return NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
}

/** Parses "15m", "2h", "90s", "1d", "1w" or a number of seconds into whole seconds. */
export function parseEvery(every: string | number): Result<number> {
  let seconds: number;
  if (typeof every === 'number') {
    seconds = every;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])?\s*$/i.exec(every);
    if (!m) return { ok: false, error: 'must be a number of seconds or a duration such as "15m", "2h", "1d"' };
    seconds = Number(m[1]) * (UNIT_SECONDS[(m[2] ?? 's').toLowerCase()] ?? 1);
  }
  if (!Number.isFinite(seconds) || !Number.isInteger(seconds)) return { ok: false, error: 'must be a whole number of seconds' };
  if (seconds < 1) return { ok: false, error: 'must be at least 1 second' };
  if (seconds > MAX_INTERVAL_SECONDS) return { ok: false, error: 'must be at most 366 days' };
  return { ok: true, value: seconds };
}

/**
 * Parses `at`: an instant with an offset ("…Z", "+02:00") is taken as is; a bare local date-time is
 * read in `timezone`. A local time that falls in a DST gap moves forward to the first valid instant.
 */
export function parseAt(at: string, timezone: string): Result<Date> {
  if (typeof at !== 'string' || at.length > 64) return { ok: false, error: 'must be an ISO-8601 date-time' };
  const hasOffset = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(at.trim()) && /T/.test(at);
  const dt = hasOffset
    ? DateTime.fromISO(at.trim(), { setZone: true })
    : DateTime.fromISO(at.trim(), { zone: timezone });
  if (!dt.isValid) return { ok: false, error: `must be an ISO-8601 date-time (${dt.invalidExplanation ?? 'unreadable'})` };
  const value = dt.toJSDate();
  if (!isInstantInRange(value)) return { ok: false, error: `must be ${INSTANT_RANGE}` };
  return { ok: true, value };
}

export interface SpecOptions {
  /** Reference instant: a one-off must be after it; an interval is anchored on it unless given. */
  now: Date;
  /** Reject one-offs in the past (true for creates and edits). */
  rejectPast?: boolean;
}

/** Validates a client schedule in a zone and returns the normalized spec, or the problem with it. */
export function toSpec(input: ScheduleInput, timezone: string, opts: SpecOptions): Result<ScheduleSpec, { path: string; message: string }> {
  if (!isValidTimezone(timezone)) return { ok: false, error: { path: 'timezone', message: `unknown IANA timezone "${timezone}"` } };
  if ('cron' in input) {
    const cron = normalizeCron(input.cron);
    try {
      const next = cronNext(cronFor(cron), timezone, opts.now);
      if (next === null) return { ok: false, error: { path: 'schedule.cron', message: 'never fires (no such date exists)' } };
    } catch (err) {
      return { ok: false, error: { path: 'schedule.cron', message: `invalid cron expression: ${(err as Error).message}` } };
    }
    return { ok: true, value: { kind: 'cron', cron, timezone } };
  }
  if ('every' in input) {
    const every = parseEvery(input.every);
    if (!every.ok) return { ok: false, error: { path: 'schedule.every', message: every.error } };
    return { ok: true, value: { kind: 'interval', everySeconds: every.value, anchor: opts.now.toISOString(), timezone } };
  }
  if ('rrule' in input) return checkRRule(input.rrule, input.dtstart, timezone, opts);
  const at = parseAt(input.at, timezone);
  if (!at.ok) return { ok: false, error: { path: 'schedule.at', message: at.error } };
  if (opts.rejectPast && at.value.getTime() <= opts.now.getTime()) {
    return { ok: false, error: { path: 'schedule.at', message: 'is in the past' } };
  }
  return { ok: true, value: { kind: 'once', at: at.value.toISOString(), timezone } };
}

/** Checks a spec that came from elsewhere (the NL parser, the database) with the same rules as client input. */
export function checkSpec(spec: ScheduleSpec, opts: SpecOptions): Result<ScheduleSpec, { path: string; message: string }> {
  switch (spec.kind) {
    case 'cron':
      return toSpec({ cron: spec.cron }, spec.timezone, opts);
    case 'interval': {
      const r = toSpec({ every: spec.everySeconds }, spec.timezone, opts);
      if (!r.ok || r.value.kind !== 'interval') return r;
      return { ok: true, value: { ...r.value, anchor: spec.anchor ?? r.value.anchor } };
    }
    case 'once':
      return toSpec({ at: spec.at }, spec.timezone, opts);
    case 'rrule':
      return toSpec({ rrule: spec.rrule, dtstart: spec.dtstart }, spec.timezone, opts);
  }
}

/** The next `n` fire instants strictly after `after`, fewer when the schedule stops or passes year 9999. */
export function nextRuns(spec: ScheduleSpec, after: Date, n: number): Date[] {
  // Past the range nothing is stored or shown: a schedule that reaches it has no more fires.
  return fireInstants(spec, after, n).filter((d) => d.getTime() <= MAX_INSTANT_MS);
}

function fireInstants(spec: ScheduleSpec, after: Date, n: number): Date[] {
  if (n <= 0) return [];
  switch (spec.kind) {
    case 'cron':
      return cronNextN(cronFor(spec.cron), spec.timezone, after, n);
    case 'interval': {
      const step = spec.everySeconds * 1000;
      const anchor = spec.anchor ? Date.parse(spec.anchor) : after.getTime();
      const k = Math.max(0, Math.floor((after.getTime() - anchor) / step) + 1);
      return Array.from({ length: n }, (_, i) => new Date(anchor + (k + i) * step));
    }
    case 'once': {
      const at = new Date(spec.at);
      return at.getTime() > after.getTime() ? [at] : [];
    }
    case 'rrule':
      return rruleNextRuns(spec, after, n);
  }
}

/** The next fire instant strictly after `after`, or null when the schedule has no more. */
export function nextRun(spec: ScheduleSpec, after: Date): Date | null {
  return nextRuns(spec, after, 1)[0] ?? null;
}

/**
 * The shortest gap between consecutive fires, in seconds, judged over the next 100 fires (the
 * shortest gap of a cron shows within its first day of fires). Infinity for a one-off.
 */
export function minGapSeconds(spec: ScheduleSpec, from: Date, enough = Number.POSITIVE_INFINITY): number {
  if (spec.kind === 'interval') return spec.everySeconds;
  if (spec.kind === 'once') return Number.POSITIVE_INFINITY;
  if (spec.kind === 'rrule') return rruleMinGap(spec, from);
  // Most crons fix their second and minute: they fire at most hourly (daily if the hour is fixed
  // too, less an hour for DST), which settles a minimum-interval check without walking 100 runs.
  const floor = cronGapFloor(spec.cron);
  if (floor >= enough) return floor;
  const runs = nextRuns(spec, from, 100);
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) {
    min = Math.min(min, ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime()) / 1000);
  }
  return min;
}

function cronGapFloor(cron: string): number {
  const f = normalizeCron(cron).split(' ');
  const [sec, min, hour] = f.length >= 6 ? f : ['0', ...f];
  const single = (x: string | undefined) => x !== undefined && /^\d+$/.test(x);
  if (!single(sec) || !single(min)) return 0;
  return single(hour) ? 23 * 3600 : 3600;
}

function plural(n: number, unit: string): string {
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}

/** Plain English for a duration in seconds, in the largest whole unit. */
export function describeSeconds(seconds: number): string {
  if (seconds % 604800 === 0) return plural(seconds / 604800, 'week');
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

/** A one-line plain-English description: "At 09:00, Monday through Friday". */
export function describe(spec: ScheduleSpec): string {
  switch (spec.kind) {
    case 'cron':
      return describeCron(spec.cron);
    case 'interval': {
      const text = describeSeconds(spec.everySeconds);
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
    case 'once': {
      const local = DateTime.fromISO(spec.at, { zone: spec.timezone });
      return `Once, on ${local.toFormat('ccc d LLL yyyy')} at ${local.toFormat('HH:mm')}${local.second ? local.toFormat(':ss') : ''}`;
    }
    case 'rrule':
      return describeRRuleSpec(spec);
  }
}

export interface Bounds {
  startAt?: Date | null;
  endAt?: Date | null;
}

/**
 * The next fire strictly after `after` that lies within the task's optional [startAt, endAt]
 * bounds, or null when there is none. The writer (create/edit) and the claimer both use this.
 */
export function nextFire(spec: ScheduleSpec, after: Date, bounds: Bounds = {}): Date | null {
  const from = bounds.startAt && bounds.startAt.getTime() > after.getTime() ? new Date(bounds.startAt.getTime() - 1) : after;
  const next = nextRun(spec, from);
  if (!next || (bounds.endAt && next.getTime() > bounds.endAt.getTime())) return null;
  return next;
}
