// Decides what kind of schedule a Draft is — a one-off, a cron or an interval — and hands it to
// the matching builder. A one-off needs a day or a delay ("tomorrow", "in 5 minutes", "dec 24");
// a repeat needs a repeat word or a day pattern ("every", "on mondays", "on the 1st"). A lone
// time ("at 5pm") is the next 5pm; several times ("at 9 and 17") can only be a daily repeat.
import { DateTime, IANAZone } from 'luxon';
import type { ScheduleSpec } from '../scheduler/schedule.ts';
import { buildOnce, localInstant } from './build-once.ts';
import { buildRecurring } from './build-recurring.ts';
import { type Draft, saysOnly } from './facts.ts';
import { dateOrder } from './locale.ts';
import { type Decline, decline, isDecline, type ParseOptions } from './types.ts';


// Zones whose users write dates month first (03/04 = March 4). Elsewhere such a date is refused.
// UTC counts: a phrase with no zone at all follows the US habit, as chrono and the corpus do.
const MONTH_FIRST_ZONES: ReadonlySet<string> = new Set([
  'UTC', 'Etc/UTC', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Phoenix',
  'America/Anchorage', 'America/Detroit', 'America/Boise', 'America/Indiana/Indianapolis', 'America/Kentucky/Louisville',
  'America/Juneau', 'America/Adak', 'Pacific/Honolulu', 'Asia/Manila',
]);

const loneDom = (d: Draft) => d.dom?.kind === 'days' && d.dom.lone === true;

/** Whether anything besides a weekday name or a lone day number makes the draft repeat. */
export function isRecurring(d: Draft): boolean {
  return Boolean(
    d.every || d.recur || d.except.length || d.nth || (d.dom && !loneDom(d)) || d.months || d.minutes || d.windows.length || d.phase || d.startAt || d.monthAnchor,
  );
}

/**
 * A lone weekday ("friday", "Fri at 7pm", "at 9am on Saturday") is the next such day, as people
 * say it. Weekly only in the timetable style of cron front-ends: "on tues" with no time, or a
 * 24-hour time with no "at" ("friday 15:44", "wednesday midnight"), and never next to an instruction.
 */
function loneWeekdayIsOnce(d: Draft, instruction: boolean): boolean {
  if (d.weekdays === null || d.weekdays.length !== 1 || d.weekdaysClear || isRecurring(d) || d.date || d.dom || d.day || d.offset) return false;
  if (instruction || d.timesAt || d.period) return true;
  if (d.times.length === 0) return !d.weekdaysOn;
  return !d.weekdayFirst || d.times.some((x) => x.mer !== null || !x.fixed);
}

/** The date of the nth (or last) weekday `dow` of `month`, this year unless it is already gone. */
function nthWeekdayDate(dow: number, nth: number | 'L', month: number, now: DateTime): { year: number; day: number } | null {
  // Calendar arithmetic only: the weekday of a date does not depend on the zone.
  for (const year of [now.year, now.year + 1]) {
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const first = 1 + ((dow - new Date(Date.UTC(year, month - 1, 1)).getUTCDay() + 7) % 7);
    const day = nth === 'L' ? first + 7 * Math.floor((days - first) / 7) : first + 7 * (nth - 1);
    if (day > days) return null;
    if (year > now.year || month > now.month || (month === now.month && day >= now.day)) return { year, day };
  }
  return null;
}

/** Builder options beyond the parse options: whether the text also held an instruction. */
export interface BuildContext {
  instruction: boolean;
}

/** The spec a draft means in `opts`' zone (or the one the phrase names), or why there is none. */
export function buildSpec(draft: Draft, opts: ParseOptions, notes: string[] = [], ctx: BuildContext = { instruction: false }): ScheduleSpec | Decline {
  const zone = draft.zone ?? opts.timezone;
  // One zone object for every luxon call: a zone given by name costs a lookup per DateTime.
  const zoneObj = IANAZone.create(zone);
  if (!zoneObj.isValid) return decline('unsupported', `unknown time zone "${zone}"`);
  const nowLocal = () => DateTime.fromJSDate(opts.now, { zone: zoneObj });
  if (draft.year !== null) {
    if (draft.year < nowLocal().year) return decline('past', `${draft.year} is in the past`);
    return decline('unsupported', 'a schedule limited to one year cannot be one cron');
  }
  if (draft.instant !== null) {
    if (!saysOnly(draft, ['instant', 'zone', 'single'])) return decline('contradictory', 'an exact instant and other times or repeats disagree');
    if (draft.instant <= opts.now.getTime()) return decline('past', 'that time is in the past');
    return { kind: 'once', at: new Date(draft.instant).toISOString(), timezone: zone };
  }
  let d = draft;
  // "in march on the 15th" with no repeat word is a date, like "march 15".
  const [onlyMonth] = d.months ?? [];
  if (d.months?.length === 1 && onlyMonth !== undefined && d.dom?.kind === 'days' && d.dom.lone && !d.every && !d.recur && !d.date) {
    d = { ...d, date: { month: onlyMonth, day: d.dom.days[0] ?? 1, year: null }, months: null, dom: null };
  }
  // "the first tuesday of october", "last monday of march": without a repeat word, that day this year (or next).
  const [onlyNth] = d.nth ?? [];
  if (d.nth?.length === 1 && onlyNth && d.months?.length === 1 && onlyMonth !== undefined && !d.every && !d.recur && !d.dom && !d.date && !d.weekdays) {
    const day = nthWeekdayDate(onlyNth.dow, onlyNth.nth, onlyMonth, nowLocal());
    if (!day) return decline('impossible', 'that weekday does not occur in that month');
    d = { ...d, date: { month: onlyMonth, day: day.day, year: day.year }, months: null, nth: null };
  }
  // "the last day of february": once (a date without a repeat word) or every year (as cron front-ends
  // read "the 11th day of November")? Both are said; a guess either way would be a wrong reading.
  const edge = d.dom?.kind === 'last' || d.dom?.kind === 'lastWeekday' || d.dom?.kind === 'firstWeekday';
  if (edge && d.months?.length === 1 && !d.every && !d.recur && !d.date && !d.weekdays && !d.nth && !d.minutes) {
    return decline('ambiguous', 'once, or every year? say "every year on the last day of …" or give the date, e.g. "on february 28"');
  }
  if (loneWeekdayIsOnce(d, ctx.instruction)) d = { ...d, weekdays: null, day: { kind: 'weekday', dow: d.weekdays?.[0] ?? 0, which: 'upcoming' } };
  if (d.date?.alt) {
    // The request's locale decides (en-US month first, en-GB day first); without one, the zone's habit.
    const order = dateOrder(opts.locale) ?? (MONTH_FIRST_ZONES.has(opts.timezone) ? 'month-first' : null);
    if (!order) {
      return decline('ambiguous', `${d.date.month}/${d.date.day} could be month/day or day/month; write it as YYYY-MM-DD or with the month's name`);
    }
    const { month, day } = order === 'month-first' ? d.date : d.date.alt;
    d = { ...d, date: { month, day, year: d.date.year } };
  }
  // A weekday next to a date or "tomorrow" only confirms it ("on friday, dec 24"); otherwise it repeats.
  const weekdayRepeats = d.weekdays !== null && !d.date && !d.day && !d.offset && !loneDom(d);
  const recurring = isRecurring(d) || weekdayRepeats || (d.times.length > 1 && !d.day && !d.date && !d.offset && !loneDom(d));
  const dated = d.day !== null || d.offset !== null || d.date?.year != null;
  if (recurring && (dated || d.single)) {
    if (d.date?.year != null) return decline('unsupported', 'a repeat limited to one dated day cannot be one cron');
    return decline('contradictory', 'the phrase mixes a one-off with a repeat');
  }
  if (recurring) {
    const local = nowLocal();
    const r = buildRecurring(d, { dow: local.weekday % 7, day: local.day, month: local.month }, notes);
    if (isDecline(r)) return r;
    if (r.kind === 'cron') return { kind: 'cron', cron: r.cron, timezone: zone };
    if (!r.anchorAt) return { kind: 'interval', everySeconds: r.everySeconds, timezone: zone };
    // "every 5 hours starting at 1am": runs fall on the next 1:00 plus multiples of 5 hours.
    let day = nowLocal();
    let anchor = localInstant(day, r.anchorAt, zoneObj);
    if (anchor && anchor.getTime() <= opts.now.getTime()) {
      day = day.plus({ days: 1 });
      anchor = localInstant(day, r.anchorAt, zoneObj);
    }
    if (!anchor) return decline('impossible', 'the starting time does not exist on that day (the clocks skip it)');
    return { kind: 'interval', everySeconds: r.everySeconds, anchor: anchor.toISOString(), timezone: zone };
  }
  if (!dated && !d.date && !d.dom && d.times.length === 0) return decline('not_understood', 'no time, date or repeat found');
  const at = buildOnce(d, zoneObj, opts.now, notes);
  if (isDecline(at)) return at;
  return { kind: 'once', at: at.toISOString(), timezone: zone };
}
