// Bounds of a repeat: "starting Friday", "from March 1", "until June", "for 8 weeks", "for the next
// 10 days", "3 times". The bound is cut off the text, the rest is read by the schedule grammar as
// if the bound were not there, and the bound becomes the task's startAt/endAt. A count has no
// column of its own: it is an endAt just after the count's last run, so the engine stops there.
// Days are read by readDay, the reader conversational edits use, so "until June" means the same
// in a new task and in "stop after May". A bound whose words are not understood declines the
// whole phrase: dropping it would run the task forever.
import { DateTime } from 'luxon';
import { nextFire, nextRuns, type ScheduleSpec } from '../scheduler/schedule.ts';
import { readDay } from './day-phrase.ts';
import { DAY_GROUPS, MONTHS, NUMBER_WORDS, ORDINAL_WORDS, WEEKDAYS } from './lexicon.ts';
import { type Decline, decline, type RulesOutcome } from './types.ts';

export interface ScheduleBounds {
  /** ISO instant: no run before it. */
  startAt?: string;
  /** ISO instant: no run after it. */
  endAt?: string;
  /** "3 times": how many runs; endAt is then just after the last of them. */
  count?: number;
}

type Bound =
  | { kind: 'end'; word: string; phrase: string }
  | { kind: 'start'; phrase: string }
  | { kind: 'for'; n: number; unit: 'day' | 'week' | 'month' | 'year' }
  | { kind: 'count'; n: number; plain: boolean };

interface Cut {
  rest: string;
  bound: Bound;
}

const NUM = '(\\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)';
const END = /^(.*)[,;]?\s+(until|till|til|through|thru|ending(?:\s+on)?|ends?\s+on)\s+((?:the\s+end\s+of\s+)?[^,;]+?)[.!]?\s*$/i;
const START = /^(.*)[,;]?\s+(?:starting|beginning|commencing|from|as\s+of|effective)(?:\s+(?:on|from))?\s+([^,;]+?)[.!]?\s*$/i;
const LEAD_START = /^\s*(?:starting|beginning|from|as\s+of)(?:\s+(?:on|from))?\s+([^,;]+?)\s*,\s*(.+)$/i;
const FOR = new RegExp(`^(.*)[,;]?\\s+(?:for|over)(?:\\s+the)?(?:\\s+(?:next|following|coming))?\\s+${NUM}\\s+(days?|weeks?|months?|years?)[.!]?\\s*$`, 'i');
const COUNT = new RegExp(`^(.*?)[,;]?\\s+(for\\s+|only\\s+|just\\s+)?${NUM}\\s+(?:more\\s+)?times[.!]?\\s*$`, 'i');

const HINT = /\b(?:until|till|til|through|thru|ending|ends?|starting|beginning|commencing|from|as of|effective|for|over|times)\b/i;

const numberOf = (w: string): number | null => {
  const s = w.toLowerCase();
  if (/^\d+$/.test(s)) return Number(s);
  if (s === 'a' || s === 'an') return 1;
  return NUMBER_WORDS.get(s) ?? null;
};

/** A phrase that can only be a day or a month: it names one, or is a date, or "today"/"tomorrow". */
function namesADay(phrase: string): boolean {
  if (/\d\s*(?:am|pm|h)\b|\d:\d|\b(?:at|noon|midnight|morning|evening|night|hour|minute)\b/i.test(phrase)) return false;
  if (/\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\/\d{1,2}(?:\/\d{2,4})?\b/.test(phrase)) return true;
  return phrase
    .toLowerCase()
    .split(/[\s,]+/)
    .some((w) => MONTHS.has(w) || WEEKDAYS.has(w) || w === 'today' || w === 'tomorrow');
}

/** "monday through friday", "the 5th through 15th": the word before says the bound is a range of days. */
function endsWithDay(before: string, tail: string): boolean {
  const w = before.trim().toLowerCase().split(/[\s,]+/).pop() ?? '';
  // "at 9 until june": a number is a time unless the tail is a day number too ("5 through 15 of december").
  if (/\d/.test(w)) return /^(?:the\s+)?\d/i.test(tail.trim());
  return MONTHS.has(w) || WEEKDAYS.has(w) || DAY_GROUPS.has(w) || ORDINAL_WORDS.has(w) || w === 'from' || w === 'between';
}

const RANGE = /\b(?:to|through|thru|until|till|and|or|between)\b|-/i;

/** The last bound of `text` (or a leading "starting …,"), or null when it has none. */
function cutBound(text: string): Cut | null {
  const lead = LEAD_START.exec(text);
  if (lead && namesADay(lead[1] as string) && !RANGE.test(lead[1] as string)) return { rest: lead[2] as string, bound: { kind: 'start', phrase: lead[1] as string } };
  // Of the bounds that end the text, the one that starts last: "until June 1 starting July 1" cuts
  // "starting July 1" first, then "until June 1".
  const found: Cut[] = [];
  let m = FOR.exec(text);
  const forN = m ? numberOf(m[2] as string) : null;
  if (m && forN !== null) found.push({ rest: m[1] as string, bound: { kind: 'for', n: forN, unit: (m[3] as string).toLowerCase().replace(/s$/, '') as 'day' | 'week' | 'month' | 'year' } });
  m = COUNT.exec(text);
  const countN = m ? numberOf(m[3] as string) : null;
  if (m && countN !== null) found.push({ rest: m[1] as string, bound: { kind: 'count', n: countN, plain: !m[2] } });
  m = END.exec(text);
  if (m && namesADay(m[3] as string) && !endsWithDay(m[1] as string, m[3] as string) && !RANGE.test((m[3] as string).replace(/^the\s+end\s+of\s+/i, ''))) {
    found.push({ rest: m[1] as string, bound: { kind: 'end', word: (m[2] as string).toLowerCase().split(/\s+/)[0] as string, phrase: m[3] as string } });
  }
  m = START.exec(text);
  if (m && namesADay(m[2] as string) && !RANGE.test(m[2] as string)) found.push({ rest: m[1] as string, bound: { kind: 'start', phrase: m[2] as string } });
  return found.reduce<Cut | null>((best, c) => (!best || c.rest.length > best.rest.length ? c : best), null);
}

const iso = (d: DateTime | Date) => (d instanceof Date ? DateTime.fromJSDate(d, { zone: 'utc' }) : d.toUTC()).toISO({ suppressMilliseconds: true }) as string;

function day(phrase: string, zone: string, now: Date, locale: string | undefined): { day: DateTime; month: boolean; endOf: boolean } | Decline {
  const p = phrase.toLowerCase().replace(/\s+/g, ' ').trim();
  const endOf = /^the end of /.test(p);
  const d = readDay(p, zone, now, locale);
  if (!d) return decline('not_understood', `the bound "${phrase}" was not understood; say e.g. "until June 30" or "starting Friday"`);
  if (endOf && !d.month) return decline('not_understood', `the bound "${phrase}" was not understood; say e.g. "until the end of March"`);
  return { ...d, endOf };
}

const MAX_COUNT = 1000;

/**
 * Reads `text` with its bounds: `read` parses the rest (the grammar without bounds). Null when the
 * text has no bound (the caller reads it as it is).
 */
export function readBounded(text: string, now: Date, locale: string | undefined, read: (rest: string) => RulesOutcome): RulesOutcome | null {
  // Bounds need one of these words; most texts have none, and the cut needs single spaces (runs of
  // blanks would make its patterns backtrack).
  if (!HINT.test(text)) return null;
  const cuts: Bound[] = [];
  let rest = text.replace(/\s+/g, ' ').trim();
  // Two bounds at most: "from March 1 for 8 weeks".
  for (let k = 0; k < 2; k++) {
    const cut = cutBound(rest);
    if (!cut) break;
    cuts.push(cut.bound);
    rest = cut.rest;
  }
  if (cuts.length === 0) return null;
  if (!rest.trim()) return decline('not_understood', 'a bound needs a repeat, e.g. "every day at 9 until June"');
  const inner = read(rest);
  if (!inner.ok) return inner;
  const spec = inner.schedule;
  if (spec.kind === 'once') return decline('ambiguous', 'a one-off runs once, so it has no start or end; say e.g. "every day at 9 until Friday"');
  // "every 2 weeks at 9 plan for the next 2 weeks": the bound follows the instruction, not the schedule.
  const last = inner.task?.prompt.trim().split(/\s+/).pop()?.toLowerCase();
  if (last && rest.trim().toLowerCase().endsWith(last)) return decline('ambiguous', 'is the end part of the instruction or of the schedule? put the schedule last, e.g. "… every day at 9 for 2 weeks"');
  const b = applyBounds(spec, cuts, inner.notes ?? [], now, locale);
  if ('ok' in b) return b;
  return Object.keys(b).length ? { ...inner, bounds: b } : inner;
}

function applyBounds(spec: ScheduleSpec, cuts: Bound[], notes: readonly string[], now: Date, locale: string | undefined): ScheduleBounds | Decline {
  const zone = spec.timezone;
  let start: DateTime | null = null;
  let end: DateTime | null = null;
  let length: { n: number; unit: 'day' | 'week' | 'month' | 'year' } | null = null;
  let count: number | null = null;
  for (const c of cuts) {
    if (c.kind === 'start') {
      if (start) return decline('contradictory', 'two starting days');
      // "every week starting Friday": the week was anchored on today, the start names another day.
      if (notes.some((n) => n.includes("today's"))) return decline('ambiguous', 'which day does it repeat on? say e.g. "every friday starting Friday"');
      const d = day(c.phrase, zone, now, locale);
      if ('ok' in d) return d;
      if (d.endOf) return decline('not_understood', 'a start at the end of a month is unclear; name the day');
      start = d.day;
      continue;
    }
    if (end || length || count !== null) return decline('contradictory', 'two ends');
    if (c.kind === 'end') {
      const d = day(c.phrase, zone, now, locale);
      if ('ok' in d) return d;
      // "until June" stops as June begins; "until June 5" runs through June 5; "through June" and
      // "until the end of June" run through June.
      const through = d.endOf || c.word === 'through' || c.word === 'thru';
      end = d.month ? (through ? d.day.plus({ months: 1 }) : d.day) : d.day.plus({ days: 1 });
    } else if (c.kind === 'for') {
      if (c.n < 1 || c.n > 1000) return decline('impossible', `${c.n} ${c.unit}s is not a length of time a repeat can run for`);
      length = { n: c.n, unit: c.unit };
    } else {
      if (c.n < 1 || c.n > MAX_COUNT) return decline('impossible', `${c.n} runs is not a count a repeat can have (1 to ${MAX_COUNT})`);
      // "every day 3 times": three runs, or three times a day? With no time given it is unclear.
      if (notes.some((n) => n.includes("today's"))) return decline('ambiguous', `${c.n} runs on which day? say e.g. "every friday at 9, ${c.n} times"`);
      if (c.plain && notes.some((n) => n.startsWith('no time given'))) return decline('ambiguous', `${c.n} runs in all, or ${c.n} times a day? say e.g. "every day at 9, ${c.n} times"`);
      count = c.n;
    }
  }
  // A start already begun ("starting today") bounds nothing.
  if (start && start.toMillis() <= now.getTime()) start = null;
  // "for 8 weeks" counts from the start, else from now, in calendar units of the zone (a DST change
  // inside does not shift the end by an hour).
  if (length) end = (start ?? DateTime.fromJSDate(now, { zone })).plus({ [`${length.unit}s`]: length.n });
  const startAt = start ? start.toJSDate() : null;
  if (count !== null) {
    const from = startAt ? new Date(startAt.getTime() - 1) : now;
    const runs = nextRuns(spec, from, count + 1);
    const lastRun = runs[count - 1];
    if (!lastRun) return decline('impossible', `the schedule does not run ${count} times`);
    const after = runs[count];
    // Just after the last run, and before the one that would follow it.
    const gap = after ? Math.min(1000, Math.floor((after.getTime() - lastRun.getTime()) / 2)) : 1000;
    end = DateTime.fromMillis(lastRun.getTime() + gap, { zone });
  }
  if (startAt && end && end.toMillis() <= startAt.getTime()) return decline('contradictory', 'the end comes before the start');
  if (end && end.toMillis() <= now.getTime()) return decline('past', `the end (${end.toFormat('d LLL yyyy')}) has already passed`);
  const first = nextFire(spec, now, { startAt, endAt: end ? end.toJSDate() : null });
  if (!first) return decline('impossible', 'no run falls before the end; the first run would come after it');
  return { ...(start ? { startAt: iso(start) } : {}), ...(end ? { endAt: iso(end) } : {}), ...(count !== null ? { count } : {}) };
}

/**
 * The last run within the bounds: where a bounded task stops. Searched back from endAt in windows
 * that grow, so an every-minute task bounded by months costs a few dozen evaluations, not 100,000.
 */
export function lastRunWithin(spec: ScheduleSpec, now: Date, bounds: { startAt?: Date | null; endAt: Date }): Date | null {
  const endMs = bounds.endAt.getTime();
  const floor = Math.max(now.getTime(), bounds.startAt ? bounds.startAt.getTime() - 1 : now.getTime());
  const BATCH = 64;
  let window = 60_000;
  for (let k = 0; k < 80; k++) {
    let from = Math.max(floor, endMs - window);
    const runs = nextRuns(spec, new Date(from), BATCH).filter((d) => d.getTime() <= endMs);
    if (runs.length === BATCH) {
      // More runs in the window than one batch: walk forward from the last of them.
      from = (runs[BATCH - 1] as Date).getTime();
      window = endMs - from;
      if (window <= 0) return runs[BATCH - 1] as Date;
      continue;
    }
    if (runs.length > 0) return runs[runs.length - 1] as Date;
    if (from === floor) return null;
    window *= 8;
  }
  return null;
}

/** The next `n` runs within the bounds, as a bounded task will fire them. */
export function runsWithin(spec: ScheduleSpec, now: Date, bounds: { startAt?: Date | null; endAt?: Date | null }, n: number): Date[] {
  const from = bounds.startAt && bounds.startAt.getTime() > now.getTime() ? new Date(bounds.startAt.getTime() - 1) : now;
  const end = bounds.endAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return nextRuns(spec, from, n).filter((d) => d.getTime() <= end);
}

/** What the bounds add to a description: " · from Fri 27 Nov · until 31 May", " · 3 times, last on Thu 10 Dec 09:00". */
export function describeBounds(bounds: ScheduleBounds, zone: string, now: Date, lastRun: Date | null): string {
  const year = DateTime.fromJSDate(now, { zone }).year;
  const dayOf = (d: DateTime, weekday: boolean) => d.toFormat(`${weekday ? 'ccc ' : ''}d LLL${d.year !== year ? ' yyyy' : ''}`);
  const parts: string[] = [];
  if (bounds.startAt) parts.push(`from ${dayOf(DateTime.fromISO(bounds.startAt, { zone }), true)}`);
  const last = lastRun ? DateTime.fromJSDate(lastRun, { zone }) : null;
  if (bounds.count !== undefined) parts.push(`${bounds.count === 1 ? 'once' : `${bounds.count} times`}${last ? `, last on ${dayOf(last, true)} ${last.toFormat('HH:mm')}` : ''}`);
  else if (bounds.endAt) {
    // endAt is the first instant without runs: the last day with runs is the one before it.
    const until = DateTime.fromISO(bounds.endAt, { zone }).minus({ milliseconds: 1 });
    parts.push(`until ${dayOf(until, false)}${last ? `, last on ${dayOf(last, true)} ${last.toFormat('HH:mm')}` : ''}`);
  }
  return parts.map((p) => ` · ${p}`).join('');
}
