// The parser's public types: what callers pass, and the schedule-or-decline it returns.
import type { ScheduleSpec } from '../scheduler/schedule.ts';

export interface ParseOptions {
  /** The user's IANA zone: a phrase that names no zone is read in it. */
  timezone: string;
  /** The reference instant: "tomorrow", "in 5 minutes" and "is it in the past" are judged from it. */
  now: Date;
}

export interface ParsedTask {
  name: string;
  prompt: string;
}

export type DeclineKind = 'not_understood' | 'ambiguous' | 'impossible' | 'contradictory' | 'past' | 'unsupported';

export interface Decline {
  ok: false;
  reason: string;
  kind: DeclineKind;
}

export type RulesOutcome = { ok: true; schedule: ScheduleSpec; task?: ParsedTask } | Decline;

export function decline(kind: DeclineKind, reason: string): Decline {
  return { ok: false, kind, reason };
}

/** Narrows a builder's result: every refusal in the parser is a Decline value. */
export function isDecline(x: unknown): x is Decline {
  return typeof x === 'object' && x !== null && (x as { ok?: unknown }).ok === false;
}
