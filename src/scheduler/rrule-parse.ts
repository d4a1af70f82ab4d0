/**
 * Reading and checking an RFC 5545 RRULE (the subset tickler supports) into explicit parts.
 *
 * Our own reader rather than the library's: a client needs to be told which part is wrong
 * ("BYDAY: bad ordinal 9FR"), and the library accepts much that it then evaluates wrongly or
 * forever. Parts that RFC 5545 fills from DTSTART (the time of day of a DAILY rule, the weekday
 * of a WEEKLY one, …) are written out by `explicitParts`, so the stored rule says what it does and
 * the evaluator never depends on a library's defaults.
 */

import type { Result } from '../errors.ts';
import { daysFromCivil, weekdayOf } from './civil.ts';

export const FREQS = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
export type Freq = (typeof FREQS)[number];
/** RFC 5545's weekday codes; index 0 is Sunday, as in civil.ts. */
export const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

export interface ByDay {
  /** 0 = Sunday … 6 = Saturday */
  day: number;
  /** 0: every such weekday of the period; ±n: the nth (from the end when negative). */
  nth: number;
}

export interface RRuleParts {
  freq: Freq;
  interval: number;
  count: number | null;
  /** Wall ms (see tz.ts) of the last allowed occurrence, in the task's zone; inclusive. */
  until: number | null;
  bySecond: number[] | null;
  byMinute: number[] | null;
  byHour: number[] | null;
  byDay: ByDay[] | null;
  byMonthDay: number[] | null;
  byMonth: number[] | null;
  bySetPos: number[] | null;
  /** Week start, 0 = Sunday; default Monday. */
  wkst: number;
}

export const MAX_COUNT = 10_000;
/** About ten years of each unit (a century for YEARLY): longer gaps are not schedules anyone means. */
export const MAX_INTERVAL: Record<Freq, number> = {
  SECONDLY: 10 * 366 * 86400,
  MINUTELY: 10 * 366 * 1440,
  HOURLY: 10 * 366 * 24,
  DAILY: 10 * 366,
  WEEKLY: 10 * 53,
  MONTHLY: 10 * 12,
  YEARLY: 100,
};
const MAX_LIST = 60;
const MAX_LENGTH = 1000;

type Fail = { ok: false; error: string };
const fail = (error: string): Fail => ({ ok: false, error });

function intList(key: string, value: string, min: number, max: number, allowNegative: boolean): Result<number[]> {
  const items = value.split(',');
  if (items.length > MAX_LIST) return fail(`${key}: at most ${MAX_LIST} values`);
  const out: number[] = [];
  for (const item of items) {
    if (!/^[+-]?\d{1,4}$/.test(item)) return fail(`${key}: "${item}" is not a number`);
    const n = Number(item);
    const abs = Math.abs(n);
    if (n < 0 && !allowNegative) return fail(`${key}: ${item} must not be negative`);
    if (abs < min || abs > max || (allowNegative && n === 0)) {
      return fail(`${key}: ${item} is out of range (${allowNegative ? `±${min}–${max}` : `${min}–${max}`})`);
    }
    if (!out.includes(n)) out.push(n);
  }
  return { ok: true, value: out.sort((a, b) => a - b) };
}

/** "20261224T180000" or "20261224" (the whole day) as wall ms; "…Z" is an instant, returned apart. */
function readUntil(value: string): Result<{ wall: number } | { utc: number }> {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) return fail(`UNTIL: "${value}" must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '23', m[5] ?? '59', m[6] ?? '59'].map(Number) as number[];
  const ms = Date.UTC(y as number, (mo as number) - 1, d as number, h as number, mi as number, s as number);
  const back = new Date(ms);
  if (back.getUTCMonth() !== (mo as number) - 1 || back.getUTCDate() !== d || (h as number) > 23 || (mi as number) > 59 || (s as number) > 59) {
    return fail(`UNTIL: "${value}" is not a real date-time`);
  }
  return { ok: true, value: m[7] ? { utc: ms } : { wall: ms } };
}

function readByDay(value: string, freq: Freq): Result<ByDay[]> {
  const items = value.split(',');
  if (items.length > MAX_LIST) return fail(`BYDAY: at most ${MAX_LIST} values`);
  const out: ByDay[] = [];
  for (const item of items) {
    const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(item);
    if (!m) return fail(`BYDAY: "${item}" is not a weekday (MO, TU, … or with an ordinal: 1MO, -1FR)`);
    const nth = m[1] === undefined ? 0 : Number(m[1]);
    if (m[1] !== undefined) {
      if (freq !== 'MONTHLY' && freq !== 'YEARLY') return fail(`BYDAY: ordinal ${item} needs FREQ=MONTHLY or FREQ=YEARLY`);
      const max = freq === 'MONTHLY' ? 5 : 53;
      if (nth === 0 || Math.abs(nth) > max) return fail(`BYDAY: bad ordinal ${item} (1–${max} or -1–-${max} with FREQ=${freq})`);
    }
    const day = WEEKDAYS.indexOf(m[2] as (typeof WEEKDAYS)[number]);
    if (!out.some((b) => b.day === day && b.nth === nth)) out.push({ day, nth });
  }
  return { ok: true, value: out };
}

export interface ParsedRRule {
  parts: RRuleParts;
  /** UNTIL given as an instant ("…Z"): the caller maps it to the task's wall clock. */
  untilUtc: number | null;
}

/** Reads an RRULE value ("FREQ=WEEKLY;BYDAY=MO", an optional "RRULE:" first); errors name the part. */
export function parseRRule(text: string): Result<ParsedRRule> {
  if (typeof text !== 'string' || text.length > MAX_LENGTH) return fail(`at most ${MAX_LENGTH} characters`);
  const body = text.trim().replace(/^RRULE:/i, '');
  if (!body) return fail('empty rule: give at least FREQ, e.g. FREQ=WEEKLY;BYDAY=MO');
  const raw = new Map<string, string>();
  for (const part of body.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return fail(`"${part}" is not KEY=VALUE`);
    const key = part.slice(0, eq).trim().toUpperCase();
    const value = part.slice(eq + 1).trim().toUpperCase();
    if (raw.has(key)) return fail(`${key}: given twice`);
    if (!value) return fail(`${key}: empty value`);
    raw.set(key, value);
  }
  const freqText = raw.get('FREQ');
  if (!freqText) return fail('FREQ: required (SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)');
  if (!(FREQS as readonly string[]).includes(freqText)) return fail(`FREQ: "${freqText}" must be one of ${FREQS.join(', ')}`);
  const freq = freqText as Freq;
  const parts: RRuleParts = {
    freq,
    interval: 1,
    count: null,
    until: null,
    bySecond: null,
    byMinute: null,
    byHour: null,
    byDay: null,
    byMonthDay: null,
    byMonth: null,
    bySetPos: null,
    wkst: 1,
  };
  let untilUtc: number | null = null;
  for (const [key, value] of raw) {
    let r: Result<unknown>;
    switch (key) {
      case 'FREQ':
        continue;
      case 'INTERVAL':
        if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > MAX_INTERVAL[freq]) return fail(`INTERVAL: must be 1–${MAX_INTERVAL[freq]} with FREQ=${freq}`);
        parts.interval = Number(value);
        continue;
      case 'COUNT':
        if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT) return fail(`COUNT: must be 1–${MAX_COUNT}`);
        parts.count = Number(value);
        continue;
      case 'UNTIL': {
        const u = readUntil(value);
        if (!u.ok) return u;
        if ('wall' in u.value) parts.until = u.value.wall;
        else untilUtc = u.value.utc;
        continue;
      }
      case 'WKST': {
        const d = WEEKDAYS.indexOf(value as (typeof WEEKDAYS)[number]);
        if (d < 0) return fail(`WKST: "${value}" must be a weekday code (MO, TU, …)`);
        parts.wkst = d;
        continue;
      }
      case 'BYSECOND':
        r = intList(key, value, 0, 59, false);
        if (r.ok) parts.bySecond = r.value as number[];
        break;
      case 'BYMINUTE':
        r = intList(key, value, 0, 59, false);
        if (r.ok) parts.byMinute = r.value as number[];
        break;
      case 'BYHOUR':
        r = intList(key, value, 0, 23, false);
        if (r.ok) parts.byHour = r.value as number[];
        break;
      case 'BYMONTHDAY':
        if (freq === 'WEEKLY') return fail('BYMONTHDAY: not allowed with FREQ=WEEKLY (RFC 5545)');
        r = intList(key, value, 1, 31, true);
        if (r.ok) parts.byMonthDay = r.value as number[];
        break;
      case 'BYMONTH':
        // ical.js mishandles BYMONTH from a start outside it, and a sub-daily rule cannot be started elsewhere.
        if (freq === 'SECONDLY' || freq === 'MINUTELY' || freq === 'HOURLY') return fail(`BYMONTH: not supported with FREQ=${freq} (use FREQ=DAILY with BYHOUR and BYMINUTE)`);
        r = intList(key, value, 1, 12, false);
        if (r.ok) parts.byMonth = r.value as number[];
        break;
      case 'BYSETPOS':
        r = intList(key, value, 1, 366, true);
        if (r.ok) parts.bySetPos = r.value as number[];
        break;
      case 'BYDAY':
        r = readByDay(value, freq);
        if (r.ok) parts.byDay = r.value as ByDay[];
        break;
      case 'BYYEARDAY':
      case 'BYWEEKNO':
        return fail(`${key}: not supported (use BYMONTH, BYMONTHDAY and BYDAY)`);
      default:
        return fail(`${key}: unknown part (supported: FREQ, INTERVAL, COUNT, UNTIL, BYSECOND, BYMINUTE, BYHOUR, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST)`);
    }
    if (!r.ok) return r;
  }
  if (parts.count !== null && (parts.until !== null || untilUtc !== null)) return fail('COUNT and UNTIL: give one, not both (RFC 5545)');
  const check = checkCombination(parts);
  if (!check.ok) return check;
  return { ok: true, value: { parts, untilUtc } };
}

/** Combinations that can never match, or that the evaluator does not support. */
function checkCombination(p: RRuleParts): Result<true> {
  const hasBy = p.bySecond || p.byMinute || p.byHour || p.byDay || p.byMonthDay || p.byMonth;
  if (p.bySetPos && !hasBy) return fail('BYSETPOS: needs another BY… part to pick from');
  if (p.bySetPos) {
    // ical.js applies BYSETPOS to the days of a period and then gives every time of each chosen
    // day, where RFC 5545 counts each time: so only one time of day is supported with it.
    if (p.freq !== 'WEEKLY' && p.freq !== 'MONTHLY') return fail(`BYSETPOS: supported with FREQ=WEEKLY or FREQ=MONTHLY only (got ${p.freq})`);
    const times = (p.byHour?.length ?? 1) * (p.byMinute?.length ?? 1) * (p.bySecond?.length ?? 1);
    if (times > 1) return fail('BYSETPOS: supported with one time of day only (one BYHOUR, BYMINUTE and BYSECOND value)');
  }
  if (p.freq === 'YEARLY') {
    // The evaluator reads YEARLY as MONTHLY within the rule's years (rrule.ts), which cannot
    // express a position counted over the whole year.
    if (p.bySetPos) return fail('BYSETPOS: not supported with FREQ=YEARLY (use FREQ=MONTHLY;BYMONTH=…)');
    if (p.byDay?.some((d) => d.nth !== 0) && !p.byMonth) return fail('BYDAY: an ordinal with FREQ=YEARLY needs BYMONTH (e.g. BYMONTH=5;BYDAY=-1MO)');
  }
  // Likewise DAILY with BYMONTHDAY is read as MONTHLY, where BYSETPOS would pick from a month.
  if (p.freq === 'DAILY' && p.byMonthDay && p.bySetPos) return fail('BYSETPOS: not supported with FREQ=DAILY and BYMONTHDAY');
  if (p.byMonthDay) {
    // A day of the month that no allowed month has never matches (BYMONTH=2;BYMONTHDAY=30).
    const months = p.byMonth ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const longest = Math.max(...months.map((m) => (m === 2 ? 29 : [4, 6, 9, 11].includes(m) ? 30 : 31)));
    if (!p.byMonthDay.some((d) => Math.abs(d) <= longest)) return fail(`BYMONTHDAY: no month in the rule has day ${p.byMonthDay.join(',')}`);
  }
  return { ok: true, value: true };
}

const SAME_UNIT = { SECONDLY: ['bySecond', 60, 's'], MINUTELY: ['byMinute', 60, 'mi'], HOURLY: ['byHour', 24, 'h'] } as const;

/**
 * The checks that need DTSTART. ical.js expands BYHOUR under FREQ=HOURLY (BYMINUTE under
 * MINUTELY, BYSECOND under SECONDLY) without regard to INTERVAL, where RFC 5545 filters by it: so
 * the values out of DTSTART's phase are dropped here, which is exact when INTERVAL divides the
 * cycle (24 hours, 60 minutes or seconds) and refused otherwise.
 */
export function phaseParts(p: RRuleParts, dtstartWall: number): Result<RRuleParts> {
  if (p.freq === 'MONTHLY' && p.byMonth && p.interval > 1) {
    // Only some months are ever reached every INTERVAL months from DTSTART's.
    const m0 = wallFields(dtstartWall).m - 1;
    const reached = new Set(Array.from({ length: 12 }, (_, k) => ((m0 + k * p.interval) % 12) + 1));
    const kept = p.byMonth.filter((m) => reached.has(m));
    if (kept.length === 0) return fail(`BYMONTH: none of ${p.byMonth.join(',')} is reached every ${p.interval} months from DTSTART; the rule never fires`);
    return { ok: true, value: { ...p, byMonth: kept } };
  }
  if (!(p.freq in SAME_UNIT)) return { ok: true, value: p };
  const [key, cycle, field] = SAME_UNIT[p.freq as keyof typeof SAME_UNIT];
  const values = p[key];
  if (!values || p.interval === 1) return { ok: true, value: p };
  const name = key.toUpperCase();
  if (cycle % p.interval !== 0) return fail(`${name}: with FREQ=${p.freq} needs an INTERVAL that divides ${cycle} (got ${p.interval})`);
  const phase = wallFields(dtstartWall)[field] % p.interval;
  const kept = values.filter((v) => v % p.interval === phase);
  if (kept.length === 0) return fail(`${name}: none of ${values.join(',')} is reached every ${p.interval} from DTSTART; the rule never fires`);
  return { ok: true, value: { ...p, [key]: kept } };
}

/** Wall ms of a date-time as wall ms: the fields back. */
export function wallFields(wall: number) {
  const d = new Date(wall);
  return {
    y: d.getUTCFullYear(),
    m: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    weekday: weekdayOf(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())),
  };
}

/**
 * The parts RFC 5545 takes from DTSTART when the rule leaves them out, written into the rule:
 * the result evaluates the same from any anchor in the same INTERVAL phase.
 */
export function explicitParts(p: RRuleParts, dtstartWall: number): RRuleParts {
  const f = wallFields(dtstartWall);
  const out: RRuleParts = { ...p };
  const rank = FREQS.indexOf(p.freq);
  if (!out.bySecond && rank > 0) out.bySecond = [f.s];
  if (!out.byMinute && rank > 1) out.byMinute = [f.mi];
  if (!out.byHour && rank > 2) out.byHour = [f.h];
  if (p.freq === 'WEEKLY' && !out.byDay) out.byDay = [{ day: f.weekday, nth: 0 }];
  if (p.freq === 'MONTHLY' && !out.byDay && !out.byMonthDay) out.byMonthDay = [f.d];
  if (p.freq === 'YEARLY' && !out.byDay && !out.byMonthDay) {
    if (!out.byMonth) out.byMonth = [f.m];
    out.byMonthDay = [f.d];
  }
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall ms as "YYYYMMDDTHHMMSS". */
export function basicDateTime(wall: number): string {
  const f = wallFields(wall);
  return `${pad(f.y, 4)}${pad(f.m)}${pad(f.d)}T${pad(f.h)}${pad(f.mi)}${pad(f.s)}`;
}

function byDayText(b: ByDay): string {
  return `${b.nth === 0 ? '' : b.nth}${WEEKDAYS[b.day]}`;
}

/** The canonical text of a rule: parts in a fixed order, values sorted; equal rules compare equal. */
export function formatRRule(p: RRuleParts, opts: { count?: boolean; until?: boolean } = {}): string {
  const out = [`FREQ=${p.freq}`];
  if (p.interval !== 1) out.push(`INTERVAL=${p.interval}`);
  if (p.count !== null && opts.count !== false) out.push(`COUNT=${p.count}`);
  if (p.until !== null && opts.until !== false) out.push(`UNTIL=${basicDateTime(p.until)}`);
  if (p.byMonth) out.push(`BYMONTH=${p.byMonth.join(',')}`);
  if (p.byMonthDay) out.push(`BYMONTHDAY=${p.byMonthDay.join(',')}`);
  if (p.byDay) {
    const sorted = [...p.byDay].sort((a, b) => ((a.day + 6) % 7) - ((b.day + 6) % 7) || a.nth - b.nth);
    out.push(`BYDAY=${sorted.map(byDayText).join(',')}`);
  }
  if (p.byHour) out.push(`BYHOUR=${p.byHour.join(',')}`);
  if (p.byMinute) out.push(`BYMINUTE=${p.byMinute.join(',')}`);
  if (p.bySecond) out.push(`BYSECOND=${p.bySecond.join(',')}`);
  if (p.bySetPos) out.push(`BYSETPOS=${p.bySetPos.join(',')}`);
  if (p.wkst !== 1) out.push(`WKST=${WEEKDAYS[p.wkst]}`);
  return out.join(';');
}
