// What the parser asks the model: the one function it must call (a zod schema sent as strict JSON
// schema) and the system prompt that explains how to fill it in.
import { DateTime } from 'luxon';
import { zodFunction } from 'openai/helpers/zod';
import { z } from 'zod';

export const SCHEDULE_TOOL_NAME = 'set_schedule';

// Only JSON-schema keywords that OpenAI's strict mode accepts appear here (no string lengths):
// everything else (valid cron, zone, future instant, lengths) is checked after the call, like user input.
export const Schedule = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('cron'),
    cron: z.string().describe('croner expression: 5 fields, or 6 with seconds first'),
  }),
  z.object({
    kind: z.literal('interval'),
    everySeconds: z.number().int().describe('fixed period in whole seconds'),
  }),
  z.object({
    kind: z.literal('once'),
    at: z.string().describe('local ISO date-time without offset (YYYY-MM-DDTHH:mm:ss), or an instant with an offset'),
  }),
  z.object({
    kind: z.literal('rrule'),
    rrule: z.string().describe('RFC 5545 RRULE value without DTSTART, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0'),
    dtstart: z.string().nullable().describe('local date-time (YYYY-MM-DDTHH:mm:ss) INTERVAL and COUNT count from; null: now'),
  }),
  z.object({
    kind: z.literal('decline'),
    reason: z.enum(['not_a_schedule', 'ambiguous', 'impossible']),
    explanation: z.string().describe('one short sentence for the user'),
  }),
]);

/** A schedule the model chose, as the API's input form (validated afterwards like a client's). */
export function scheduleInputOf(s: Exclude<z.infer<typeof Schedule>, { kind: 'decline' }>): { cron: string } | { every: number } | { at: string } | { rrule: string; dtstart?: string } {
  if (s.kind === 'cron') return { cron: s.cron };
  if (s.kind === 'interval') return { every: s.everySeconds };
  if (s.kind === 'rrule') return { rrule: s.rrule, ...(s.dtstart ? { dtstart: s.dtstart } : {}) };
  return { at: s.at };
}

export const ScheduleArgs = z.object({
  schedule: Schedule,
  timezone: z.string().nullable().describe('IANA timezone the message names, e.g. "Asia/Tokyo"; null when it names none'),
  task: z
    .object({
      name: z.string().describe('short title, at most 60 characters'),
      prompt: z.string().describe('the instruction, as an imperative for an assistant, without the scheduling words'),
    })
    .nullable()
    .describe('what to do at each run, when the message says; else null'),
});

export type ScheduleArgs = z.infer<typeof ScheduleArgs>;

// Built once: a pure, never-mutated description of the function (converting the schema per call
// would redo the same work on every parse).
export const scheduleTool = zodFunction({
  name: SCHEDULE_TOOL_NAME,
  parameters: ScheduleArgs,
  description: 'Record the schedule (and the task, if any) read from the user message, or decline with a reason.',
});

/** How each kind of schedule is written: the parse and the edit prompts both explain it so. */
export const SCHEDULE_KINDS = `- {"kind":"cron"} for repeating calendar times, in croner syntax: 5 fields "minute hour day-of-month month day-of-week", or 6 with seconds first. Lists (1,15), ranges (1-5), steps (*/10), names (MON-FRI, JAN-DEC); day-of-week 0 or 7 is Sunday; L is the last day of the month (day-of-month) or the last such weekday (5L = last Friday); 15W is the weekday nearest the 15th; 1#2 is the second Monday. With both day-of-month and day-of-week restricted it fires when either matches. "every weekday at 9am" → "0 9 * * 1-5".
- {"kind":"interval"} for a fixed period not tied to clock times: "everySeconds" ("every 90 minutes" → 5400).
- {"kind":"rrule"} for what cron cannot say: every N weeks, months or years ("every other Monday at 9" → "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0"), the Nth weekday of every N months ("first Friday of every other month" → "FREQ=MONTHLY;INTERVAL=2;BYDAY=1FR;BYHOUR=9;BYMINUTE=0"), a number of times (COUNT) or an end (UNTIL=YYYYMMDDTHHMMSS, local). RFC 5545 parts: FREQ, INTERVAL, COUNT, UNTIL, BYDAY (MO…SU, with an ordinal 1FR/-1FR under MONTHLY or YEARLY), BYMONTHDAY (-1 = last day), BYMONTH, BYHOUR, BYMINUTE, BYSECOND, BYSETPOS. Always give BYHOUR and BYMINUTE for daily or coarser rules. "dtstart" is the local date-time the first period starts from (the phase of INTERVAL), or null for now.
- {"kind":"once"} for a single run: "at" is a local date-time without offset (YYYY-MM-DDTHH:mm:ss) in the zone, or an instant with an offset when the message gives one. Resolve relative phrases ("tomorrow", "in 2 hours", "next Friday") from now; it must be in the future.
- {"kind":"decline"} when the message is not a schedule ("not_a_schedule"), when reasonable readings differ and a guess would likely be wrong ("ambiguous"), or when it can never happen ("impossible", e.g. February 30). "explanation" is one short sentence for the user.`;

/** The system prompt: the reference instant, the user's zone, and how to express each kind of schedule. */
export function systemPrompt(timezone: string, now: Date): string {
  const local = DateTime.fromJSDate(now, { zone: timezone });
  return `You turn one chat message into a schedule for a task scheduler. Answer only by calling ${SCHEDULE_TOOL_NAME}, once.

Now is ${now.toISOString()} (UTC), which is ${local.toFormat('cccc yyyy-LL-dd HH:mm:ss')} in the user's timezone ${timezone} (UTC${local.toFormat('ZZ')}).
Read dates and times in ${timezone} unless the message names another place or zone: then set "timezone" to that IANA zone (e.g. "9am Tokyo time" → "Asia/Tokyo") and express the schedule in it. Otherwise "timezone" is null.

"schedule" is exactly one of:
${SCHEDULE_KINDS}

"task": when the message also says what to do at each run, {"name": a short title, "prompt": the instruction as an imperative for an assistant, without the scheduling words}; otherwise null.`;
}

/** The tool result that sends a validation problem back to the model for its one repair attempt. */
export function repairPrompt(problem: string): string {
  return `Error: ${problem}\nCall ${SCHEDULE_TOOL_NAME} again with corrected arguments, or decline if the message cannot be expressed as a schedule.`;
}
