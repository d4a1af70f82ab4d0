import type { EditTaskView } from './edit-llm.ts';
import type { ScheduleSpec } from '../scheduler/schedule.ts';
import type { ScheduleBounds } from './bounds.ts';

export interface ParseContext {
  timezone: string;
  /** The reference instant for relative phrases ("tomorrow", "in 20 minutes"). */
  now: Date;
  /** BCP 47 locale of the user ("en-GB"): the order of a numeric date such as 03/04. */
  locale?: string;
  signal?: AbortSignal;
}

export type ParseOutcome =
  // `notes`: what the rules assumed or corrected ("no time given: 09:00"); the preview shows them.
  // `bounds`: "until June", "3 times" read as the task's startAt/endAt (ISO instants).
  | { ok: true; schedule: ScheduleSpec; task?: { name: string; prompt: string; tools?: string[] }; notes?: string[]; bounds?: ScheduleBounds; source: 'rules' | 'llm' }
  // 422: the text is not a schedule we can read; 503: the LLM that would read it is unavailable.
  | { ok: false; reason: string; status: 422 | 503 };

/** A proposed change to a task, as a PATCH body the API validates like a client's. */
export type EditOutcome = { ok: true; patch: Record<string, unknown>; source: 'rules' | 'llm' } | { ok: false; reason: string; status: 422 | 503 };

/** Plain English (or pasted cron) to a validated schedule. */
export interface ScheduleParser {
  parse(text: string, ctx: ParseContext): Promise<ParseOutcome>;
  /** A change to an existing task in plain English ("move it to 10am"); without it, edits are read by the rules alone. */
  edit?(text: string, task: EditTaskView, ctx: ParseContext): Promise<EditOutcome>;
}

export const NOT_UNDERSTOOD = "I couldn't read that schedule; try 'every weekday at 9am' or a cron expression";
