/** The `rrule` schedule form: validation into a spec, next runs and the gap check (schedule.ts dispatches here). */

import type { Result } from '../errors.ts';
import { describeRRule } from './rrule-describe.ts';
import { explicitParts, formatRRule, parseRRule, phaseParts } from './rrule-parse.ts';
import { type CompiledRRule, cachedRRule, compileRRule, RRuleBudgetError, rruleNextN } from './rrule.ts';
import type { ScheduleSpec, SpecOptions } from './schedule.ts';
import { wallAt } from './tz.ts';

type RRuleSpec = Extract<ScheduleSpec, { kind: 'rrule' }>;
type SpecError = { path: string; message: string };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall ms as "YYYY-MM-DDTHH:mm:ss". */
export function localIso(wall: number): string {
  const d = new Date(wall);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * DTSTART as wall ms in `zone`: a local date-time ("2026-12-07T09:00", seconds optional) is taken
 * as is; an instant with an offset is read on the zone's clock.
 */
function readDtstart(text: string, zone: string): Result<number> {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (!m) return { ok: false, error: 'must be a local date-time (YYYY-MM-DDTHH:mm:ss) or an instant with an offset' };
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  if (y < 1900 || y > 2999 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return { ok: false, error: `"${text}" is not a real date-time between 1900 and 2999` };
  }
  if (!m[7]) return { ok: true, value: wall };
  const instant = Date.parse(text.trim());
  if (!Number.isFinite(instant)) return { ok: false, error: `"${text}" is not a readable instant` };
  return { ok: true, value: wallAt(zone, instant) };
}

const fail = (path: string, message: string): { ok: false; error: SpecError } => ({ ok: false, error: { path, message } });

/** Validates `{rrule, dtstart?}` in a zone into the normalized spec (DTSTART default: now, to the minute). */
export function checkRRule(rule: string, dtstart: string | undefined, zone: string, opts: SpecOptions): Result<ScheduleSpec, SpecError> {
  const parsed = parseRRule(rule);
  if (!parsed.ok) return fail('schedule.rrule', parsed.error);
  let start: number;
  if (dtstart === undefined) {
    start = Math.floor(wallAt(zone, opts.now.getTime()) / 60_000) * 60_000;
  } else {
    const r = readDtstart(dtstart, zone);
    if (!r.ok) return fail('schedule.dtstart', r.error);
    start = r.value;
  }
  let parts = parsed.value.parts;
  if (parsed.value.untilUtc !== null) parts = { ...parts, until: wallAt(zone, parsed.value.untilUtc) };
  if (parts.until !== null && parts.until < start) return fail('schedule.rrule', 'UNTIL: is before DTSTART');
  const phased = phaseParts(parts, start);
  if (!phased.ok) return fail('schedule.rrule', phased.error);
  const rrule = formatRRule(explicitParts(phased.value, start));
  // The parts taken from DTSTART can make a rule impossible (BYMONTH=11 from the 31st).
  const reread = parseRRule(rrule);
  if (!reread.ok) return fail('schedule.rrule', `${reread.error} (with what DTSTART ${localIso(start)} supplies: ${rrule})`);
  const spec: RRuleSpec = { kind: 'rrule', rrule, dtstart: localIso(start), timezone: zone };
  try {
    const next = rruleNextN(compiled(spec), zone, opts.now, 1);
    if (next.length === 0 && opts.rejectPast) return fail('schedule.rrule', 'has no occurrence after now (COUNT or UNTIL already reached, or no date matches)');
  } catch (err) {
    if (!(err instanceof RRuleBudgetError)) throw err;
    return fail('schedule.rrule', `never fires, or too rarely for FREQ=${phased.value.freq} (${err.message}): use a larger FREQ`);
  }
  return { ok: true, value: spec };
}

function compiled(spec: RRuleSpec): CompiledRRule {
  return cachedRRule(`${spec.rrule}|${spec.dtstart}`, () => {
    const parsed = parseRRule(spec.rrule);
    if (!parsed.ok) throw new Error(`stored rrule "${spec.rrule}" does not parse: ${parsed.error}`);
    return compileRRule(parsed.value.parts, Date.parse(`${spec.dtstart}Z`));
  });
}

/**
 * The next `n` fires after `after`. A rule that exhausts the candidate budget (checked when it
 * was saved, so only a rule whose matches thin out later) ends there: the task gets no next run.
 */
export function rruleNextRuns(spec: RRuleSpec, after: Date, n: number): Date[] {
  try {
    return rruleNextN(compiled(spec), spec.timezone, after, n);
  } catch (err) {
    if (err instanceof RRuleBudgetError) return [];
    throw err;
  }
}

/** The shortest gap between the next 100 fires, in seconds (Infinity with fewer than two). */
export function rruleMinGap(spec: RRuleSpec, from: Date): number {
  const runs = rruleNextRuns(spec, from, 100);
  let min = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++) min = Math.min(min, ((runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime()) / 1000);
  return min;
}

export function describeRRuleSpec(spec: RRuleSpec): string {
  const parsed = parseRRule(spec.rrule);
  return parsed.ok ? describeRRule(parsed.value.parts) : spec.rrule;
}
