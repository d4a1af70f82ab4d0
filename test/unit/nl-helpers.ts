// Shared helpers for the rules-parser tests: parse at a pinned "now" and zone, and read the
// answer as a cron string, an interval, a local one-off time or a decline kind.
import { DateTime } from 'luxon';
import { expect } from 'vitest';
import { parseRules } from '../../src/nl-parser/rules.ts';
import type { DeclineKind, RulesOutcome } from '../../src/nl-parser/types.ts';
import { checkSpec } from '../../src/scheduler/schedule.ts';

/** Tuesday 24 November 2026, 10:00 in Paris: the default reference for these tests. */
export const ZONE = 'Europe/Paris';
export const NOW = '2026-11-24T10:00';

export const instant = (local: string, zone = ZONE): Date => DateTime.fromISO(local, { zone }).toJSDate();

/** Parses and checks that any schedule returned passes the scheduler's own validation. */
export function parse(text: string, zone = ZONE, now = NOW): RulesOutcome {
  const at = instant(now, zone);
  const r = parseRules(text, { timezone: zone, now: at });
  if (r.ok) expect(checkSpec(r.schedule, { now: at }).ok, `${text} -> ${JSON.stringify(r.schedule)}`).toBe(true);
  return r;
}

function ok(text: string, r: RulesOutcome) {
  if (!r.ok) throw new Error(`"${text}" was declined (${r.kind}): ${r.reason}`);
  return r;
}

/** The cron a phrase means, with " @zone" appended when the phrase named another zone. */
export function cronOf(text: string, zone = ZONE, now = NOW): string {
  const { schedule } = ok(text, parse(text, zone, now));
  if (schedule.kind !== 'cron') throw new Error(`"${text}" gave ${JSON.stringify(schedule)}, not a cron`);
  return schedule.timezone === zone ? schedule.cron : `${schedule.cron} @${schedule.timezone}`;
}

export function intervalOf(text: string, zone = ZONE, now = NOW): number {
  const { schedule } = ok(text, parse(text, zone, now));
  if (schedule.kind !== 'interval') throw new Error(`"${text}" gave ${JSON.stringify(schedule)}, not an interval`);
  return schedule.everySeconds;
}

/** A one-off as local time in its zone ("2026-11-25T15:00:00"), plus " @zone" when another zone. */
export function onceOf(text: string, zone = ZONE, now = NOW): string {
  const { schedule } = ok(text, parse(text, zone, now));
  if (schedule.kind !== 'once') throw new Error(`"${text}" gave ${JSON.stringify(schedule)}, not a one-off`);
  const local = DateTime.fromISO(schedule.at, { zone: schedule.timezone }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
  return schedule.timezone === zone ? local : `${local} @${schedule.timezone}`;
}

export function declineOf(text: string, zone = ZONE, now = NOW): DeclineKind {
  const r = parse(text, zone, now);
  if (r.ok) throw new Error(`"${text}" was accepted as ${JSON.stringify(r.schedule)}`);
  expect(r.reason.length).toBeGreaterThan(0);
  return r.kind;
}
