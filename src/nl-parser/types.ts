// The parser's public types: what callers pass, and the schedule-or-decline it returns.
import type { ScheduleSpec } from '../scheduler/schedule.ts';
import type { ScheduleBounds } from './bounds.ts';

export interface ParseOptions {
  /** The user's IANA zone: a phrase that names no zone is read in it. */
  timezone: string;
  /** The reference instant: "tomorrow", "in 5 minutes" and "is it in the past" are judged from it. */
  now: Date;
  /** A BCP 47 locale ("en-US", "en-GB"): decides whether 03/04 is March 4 or 3 April. */
  locale?: string;
}

export interface ParsedTask {
  name: string;
  prompt: string;
  /** "remind me to …": the task delivers its message with the notify tool. */
  tools?: string[];
}

export type DeclineKind = 'not_understood' | 'ambiguous' | 'impossible' | 'contradictory' | 'past' | 'unsupported';

export interface Decline {
  ok: false;
  reason: string;
  kind: DeclineKind;
}

/** `notes`: what the reading assumed or corrected ("no time given: 09:00"), for the preview to show. */
/** `bounds`: "until June", "for 8 weeks", "3 times": the task's startAt/endAt (ISO instants). */
export type RulesOutcome = { ok: true; schedule: ScheduleSpec; task?: ParsedTask; notes?: string[]; bounds?: ScheduleBounds } | Decline;

export function decline(kind: DeclineKind, reason: string): Decline {
  return { ok: false, kind, reason };
}

/** Narrows a builder's result: every refusal in the parser is a Decline value. */
export function isDecline(x: unknown): x is Decline {
  return typeof x === 'object' && x !== null && (x as { ok?: unknown }).ok === false;
}
