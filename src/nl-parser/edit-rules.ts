// Conversational edits read by rules: "move it to 10am", "skip weekends", "pause until Monday",
// "stop after March", "make it every friday at 5pm". Each intent is a small grammar over the whole
// message, and times and dates inside it are read by the schedule rules themselves, so an edit
// understands exactly the times a new task does. Like the schedule rules, anything unsure is a
// decline (the LLM's edit_task reads it): a wrong edit silently moves someone's task.
import { DateTime } from 'luxon';
import type { ScheduleSpec } from '../scheduler/schedule.ts';
import { listField } from './cron-fields.ts';
import { readDay } from './day-phrase.ts';
import { DAY_GROUPS, WEEKDAYS } from './lexicon.ts';
import { parseRules } from './rules.ts';
import { type Decline, decline } from './types.ts';

/** What an edit may change, in PATCH's terms (instants as ISO strings with an offset). */
export interface EditPatch {
  schedule?: { cron: string } | { at: string } | { rrule: string; dtstart: string };
  /** Set when the new schedule names a zone of its own ("at 9am Tokyo time"). */
  timezone?: string;
  enabled?: boolean;
  startAt?: string | null;
  endAt?: string | null;
  name?: string;
}

/** The task being edited, as far as the rules need it. */
export interface EditSubject {
  spec: ScheduleSpec | null;
  timezone: string;
  enabled: boolean;
}

export type EditRead = { ok: true; patch: EditPatch } | Decline;

const MAX_LENGTH = 300;
const IT = "(?: it| this| that| the task| the reminder| the job)?";
const unsure = (reason: string) => decline('not_understood', reason);

/** Lower case, one space, no politeness or trailing "instead"/"from now on": the grammar sees the request alone. */
function normalize(text: string): string {
  let s = text.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, ' ').trim();
  s = s.replace(/[.!?]+$/, '').trim();
  s = s.replace(/^(?:(?:please|pls|ok|okay|hey|now|actually)[, ]+)+/, '');
  s = s.replace(/^(?:can|could|would) you (?:please )?/, '');
  s = s.replace(/(?:,? (?:please|instead|from now on|going forward|thanks|thank you))+$/, '');
  return s.trim();
}

/** The local time a phrase names ("10am", "noon", "half past ten", "21:30"), read as the schedule rules read it. */
function readTime(phrase: string, zone: string, now: Date): { hour: number; minute: number } | null {
  if (/\b(?:every|each|daily|weekly|monthly|day|week|month|year|tomorrow|today|tonight)\b/.test(phrase)) return null;
  const r = parseRules(`every day at ${phrase}`, { timezone: zone, now });
  if (!r.ok || r.schedule.kind !== 'cron' || r.task) return null;
  const f = r.schedule.cron.split(' ');
  if (f.length !== 5 || f[2] !== '*' || f[3] !== '*' || f[4] !== '*' || !/^\d+$/.test(f[0] ?? '') || !/^\d+$/.test(f[1] ?? '')) return null;
  return { minute: Number(f[0]), hour: Number(f[1]) };
}

/** Weekdays named by a phrase ("weekends", "mondays and fridays", "tue, thu"); null if any word is not a day. */
function readDays(phrase: string): Set<number> | null {
  const words = phrase
    .replace(/^(?:on |the )+/, '')
    .split(/\s*,\s*|\s+(?:and|or|&)\s+|\s+/)
    .filter((w) => w !== '' && w !== 'on' && w !== 'the');
  if (words.length === 0) return null;
  const days = new Set<number>();
  for (const w of words) {
    const one = WEEKDAYS.get(w);
    const group = DAY_GROUPS.get(w);
    if (one !== undefined) days.add(one);
    else if (group) for (const d of group) days.add(d);
    else return null;
  }
  return days;
}

interface CronParts {
  fields: string[];
  /** Index of the minute field: 1 when the expression has seconds first. */
  at: number;
}

function cronParts(spec: ScheduleSpec | null): CronParts | null {
  if (spec?.kind !== 'cron') return null;
  const fields = spec.cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return null;
  return { fields, at: fields.length - 5 };
}

/** The weekdays a cron day-of-week field allows, when it is plain numbers, ranges and lists (else null). */
function dowSet(field: string): Set<number> | null {
  if (field === '*' || field === '?') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const days = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\d)(?:-(\d))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > b || b > 7) return null;
    for (let d = a; d <= b; d++) days.add(d % 7);
  }
  return days;
}

function withTime(subject: EditSubject, hour: number, minute: number, now: Date): EditRead {
  const cron = cronParts(subject.spec);
  if (cron) {
    const { fields, at } = cron;
    // Only a schedule with one time of day has one to move: "9,17" or "*/15" has several.
    if (!/^\d+$/.test(fields[at] ?? '') || !/^\d+$/.test(fields[at + 1] ?? '')) return unsure('the schedule runs at several times of day; say which to change');
    const next = [...fields];
    next[at] = String(minute);
    next[at + 1] = String(hour);
    if (at === 1) next[0] = '0';
    return { ok: true, patch: { schedule: { cron: next.join(' ') } } };
  }
  if (subject.spec?.kind === 'once') {
    const day = DateTime.fromISO(subject.spec.at, { zone: subject.timezone });
    const moved = day.set({ hour, minute, second: 0, millisecond: 0 });
    if (moved.toMillis() <= now.getTime()) return decline('past', `${moved.toFormat('ccc d LLL HH:mm')} has already passed`);
    return { ok: true, patch: { schedule: { at: moved.toISO() as string } } };
  }
  return unsure(subject.spec ? 'a repeat every fixed interval has no time of day to move' : 'the task has no schedule');
}

function shiftTime(subject: EditSubject, minutes: number, now: Date): EditRead {
  const cron = cronParts(subject.spec);
  if (cron) {
    const { fields, at } = cron;
    const m = fields[at] ?? '';
    const h = fields[at + 1] ?? '';
    if (!/^\d+$/.test(m) || !/^\d+$/.test(h)) return unsure('the schedule runs at several times of day; say which to change');
    const total = Number(h) * 60 + Number(m) + minutes;
    // Crossing midnight would move the days too: not a plain time change.
    if (total < 0 || total >= 24 * 60) return unsure('that would move the runs to another day');
    return withTime(subject, Math.floor(total / 60), total % 60, now);
  }
  if (subject.spec?.kind === 'once') {
    const moved = DateTime.fromISO(subject.spec.at, { zone: subject.timezone }).plus({ minutes });
    if (moved.toMillis() <= now.getTime()) return decline('past', `${moved.toFormat('ccc d LLL HH:mm')} has already passed`);
    return { ok: true, patch: { schedule: { at: moved.toISO() as string } } };
  }
  return unsure('a repeat every fixed interval has no time of day to move');
}

function withDays(subject: EditSubject, change: (current: Set<number>) => Set<number>): EditRead {
  const cron = cronParts(subject.spec);
  if (!cron) return unsure(subject.spec?.kind === 'once' ? 'a one-off runs on one day' : 'only a schedule at set times can skip days');
  const { fields, at } = cron;
  // With a day of the month too, cron runs on either; limiting the weekdays would not limit the runs.
  if (fields[at + 2] !== '*' && fields[at + 2] !== '?') return unsure('the schedule runs on days of the month');
  const current = dowSet(fields[at + 4] ?? '');
  if (!current) return unsure('the schedule names its days in a way these edits do not change');
  const next = change(current);
  if (next.size === 0) return decline('contradictory', 'that leaves no day to run on');
  const out = [...fields];
  out[at + 4] = listField(next, 0, 6);
  return { ok: true, patch: { schedule: { cron: out.join(' ') } } };
}

const intersect = (a: Set<number>, b: Set<number>) => new Set([...a].filter((d) => b.has(d)));
const minus = (a: Set<number>, b: Set<number>) => new Set([...a].filter((d) => !b.has(d)));

const iso = (d: DateTime) => d.toISO({ suppressMilliseconds: true }) as string;

/** Reads an edit of `subject` from plain English, or declines. Pure: no I/O, no clock but `now`. */
export function readEditRules(text: string, subject: EditSubject, now: Date): EditRead {
  if (text.length > MAX_LENGTH) return unsure('the request is long; say one change at a time');
  const s = normalize(text);
  const zone = subject.timezone;
  let m: RegExpExecArray | null;

  // Pause and resume, with or without a day to resume on.
  if (new RegExp(`^(?:pause|suspend|disable|turn off|switch off|stop|hold)${IT}(?: for now)?$`).test(s)) return { ok: true, patch: { enabled: false } };
  if (new RegExp(`^(?:resume|unpause|un-pause|enable|restart|continue|turn${IT} (?:back )?on|switch${IT} (?:back )?on|start${IT} again)${IT}$`).test(s)) {
    return { ok: true, patch: { enabled: true } };
  }
  m = new RegExp(`^(?:pause|suspend|hold|stop|skip|don't run|do not run)${IT}(?: off)? (?:until|till|til|through|thru) (.+)$`).exec(s);
  if (m) {
    const through = /\b(?:through|thru)\b/.test(s);
    const d = readDay(m[1] as string, zone, now);
    if (!d) return unsure('I could not read the day to resume on');
    // "Until Monday": runs again on Monday. "Through Monday": from the day after.
    const from = d.month ? (through ? d.day.plus({ months: 1 }) : d.day) : through ? d.day.plus({ days: 1 }) : d.day;
    if (from.toMillis() <= now.getTime()) return decline('past', `${from.toFormat('ccc d LLL')} has already begun`);
    return { ok: true, patch: { startAt: iso(from), ...(subject.enabled ? {} : { enabled: true }) } };
  }

  // An end: "stop after March", "end on Friday", "until June 30", "only until Friday".
  m = new RegExp(`^(?:(?:stop|end|finish|quit)${IT}(?: running)? (after|at the end of|on|by|in)|(?:(?:only |just )?(?:run|keep${IT} going|keep${IT} running|keep going|repeat)${IT} )?(until|till|til|through|thru)|(?:only |just )(until|till|through))(?: the end of)? (.+)$`).exec(s);
  if (m) {
    const word = (m[1] ?? m[2] ?? m[3]) as string;
    const d = readDay(m[4] as string, zone, now);
    if (!d) return unsure('I could not read when to stop');
    // The named day or month is the last one with runs, except "until <month>", which ends as the month
    // begins ("until June": through May), and "on/by <day>", which is the first day without runs.
    let end: DateTime;
    if (d.month) end = word === 'until' || word === 'till' || word === 'til' || word === 'by' ? d.day : d.day.plus({ months: 1 });
    else end = word === 'on' || word === 'by' ? d.day : d.day.plus({ days: 1 });
    if (word === 'in' && !d.month) return unsure('say when to stop: after which day or month');
    if (end.toMillis() <= now.getTime()) return decline('past', `${end.toFormat('ccc d LLL')} has already passed`);
    return { ok: true, patch: { endAt: iso(end) } };
  }
  if (/^(?:never stop|no end date|remove the end(?: date)?|run (?:it )?forever|keep (?:it )?going forever)$/.test(s)) return { ok: true, patch: { endAt: null } };

  // Days: "skip weekends", "weekdays only", "not on fridays", "also on saturdays".
  m = /^(?:skip|exclude|drop|not on|no|except|without|never on|but not(?: on)?)(?: the)? (.+?)(?: anymore| any more)?$/.exec(s);
  if (m) {
    const days = readDays(m[1] as string);
    if (days) return withDays(subject, (cur) => minus(cur, days));
  }
  m = /^(?:only(?: on)?|just(?: on)?|on) (.+?)(?: only)?$/.exec(s) ?? /^(.+?) only$/.exec(s);
  if (m) {
    const days = readDays(m[1] as string);
    if (days) return withDays(subject, (cur) => (cur.size === 7 ? days : intersect(cur, days)));
  }
  m = /^(?:also(?: on)?|add|and(?: on)?|plus)(?: the)? (.+?)(?: too| as well)?$/.exec(s);
  if (m) {
    const days = readDays(m[1] as string);
    if (days) return withDays(subject, (cur) => new Set([...cur, ...days]));
  }

  // Time of day: "move it to 10am", "at 10:30 instead", "make it noon", "an hour later".
  m = /^(?:(?:move|push|shift|bump)(?: it| this| the task)? )?(an?|one|half an|\d{1,3}) (hours?|minutes?|mins?)(?: and a half)? (later|earlier|back|forward)$/.exec(s);
  if (m) {
    const n = m[1] === 'a' || m[1] === 'an' || m[1] === 'one' ? 1 : m[1] === 'half an' ? 0.5 : Number(m[1]);
    const unit = (m[2] as string).startsWith('h') ? 60 : 1;
    const half = s.includes(' and a half') ? 0.5 * unit : 0;
    const sign = m[3] === 'earlier' || m[3] === 'back' ? -1 : 1;
    return shiftTime(subject, sign * (n * unit + half), now);
  }
  m = new RegExp(`^(?:(?:move|change|shift|set|make|switch|reschedule|push|put|bump)${IT}(?:(?: the)? time)?(?: to| for)?|(?:run|do|send|fire)${IT} at|at|to) (.+)$`).exec(s) ?? /^(.+)$/.exec(s);
  const time = m ? readTime(m[1] as string, zone, now) : null;
  if (time) return withTime(subject, time.hour, time.minute, now);

  // Rename.
  m = /^(?:rename|call|name)(?: it| this| the task)?(?: to| as)? ["“]?(.+?)["”]?$/.exec(text.trim().replace(/[.!]+$/, ''));
  if (m && /^(?:rename|call|name)\b/i.test(text.trim())) {
    const name = (m[1] as string).trim();
    if (name !== '' && name.length <= 200) return { ok: true, patch: { name } };
  }

  // A whole new schedule: "make it every friday at 5pm", "change it to daily at 8".
  m = new RegExp(`^(?:(?:make|change|switch|set|move|reschedule|turn)${IT}(?: schedule)?(?: to| into)? )?(.+)$`).exec(s);
  if (m) {
    const r = parseRules(m[1] as string, { timezone: zone, now });
    if (r.ok && !r.task) {
      // A recurring task does not become a one-off by an edit unless the words say so: "make it 10am
      // tomorrow" on a daily task is more likely a change of mind about one run than of the schedule.
      if (r.schedule.kind === 'once' && subject.spec && subject.spec.kind !== 'once') return unsure('that reads as a single run; say "only once, …" to replace the schedule');
      if (r.schedule.kind === 'interval') return unsure('a repeat every fixed interval is set with the schedule editor');
      const schedule = r.schedule.kind === 'cron' ? { cron: r.schedule.cron } : r.schedule.kind === 'rrule' ? { rrule: r.schedule.rrule, dtstart: r.schedule.dtstart } : { at: r.schedule.at };
      return { ok: true, patch: { schedule, ...(r.schedule.timezone !== zone ? { timezone: r.schedule.timezone } : {}) } };
    }
    if (!r.ok && (r.kind === 'past' || r.kind === 'impossible' || r.kind === 'contradictory')) return r;
  }
  return unsure("I couldn't read that change; try 'move it to 10am', 'skip weekends', 'pause until Monday' or 'stop after March'");
}
