// A repeating Draft → one cron (croner syntax) or one interval. Each refusal says why the phrase
// cannot be one schedule rather than approximating it: "every 5 months" has no cron form,
// "every 7 minutes on weekdays" drifts against the hour, "every monday on the 15th" would fire
// on either (cron ORs day-of-month and weekday).
import { hourField, hourWindows, listField, minuteWindows, stepField } from './cron-fields.ts';
import type { Draft } from './facts.ts';
import { MONTH_DAYS, UNIT_SECONDS } from './lexicon.ts';
import { applyPeriodAll, type DayTime, timesOrDefault } from './periods.ts';
import { type Decline, decline, isDecline } from './types.ts';

export type Recurring = { kind: 'cron'; cron: string } | { kind: 'interval'; everySeconds: number; anchorAt?: DayTime };

interface DayFields {
  dom: string;
  month: string;
  dow: string;
  constrained: boolean;
}

const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Today in the schedule's zone: a period with no anchor ("every week") starts from it. */
export interface Today {
  dow: number;
  day: number;
  month: number;
}

const ordinalOf = (n: number) => `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

function domField(d: Draft): string | null {
  const dom = d.dom;
  if (!dom) return null;
  switch (dom.kind) {
    case 'days':
      return listField(dom.days, 1, 31);
    case 'range':
      return `${dom.from}-${dom.to}`;
    case 'last':
      return 'L';
    case 'lastWeekday':
      return 'LW';
    case 'firstWeekday':
      return '1W';
  }
}

/** Days that are named must exist in every month named ("the 31st of april" never fires). */
function checkDaysExist(d: Draft, months: readonly number[] | null): Decline | null {
  if (!months || d.dom?.kind !== 'days') return null;
  for (const day of d.dom.days) {
    const bad = months.find((m) => day > (MONTH_DAYS[m] ?? 31));
    if (bad !== undefined) return decline('impossible', `month ${bad} has no day ${day}`);
  }
  return null;
}

/** Day-of-month, month and weekday fields; a bare period is anchored on `today` (with a note). */
function dayFields(d: Draft, today: Today, notes: string[]): DayFields | Decline {
  const e = d.every;
  let weekdays = d.weekdays;
  if (d.except.length) {
    if (d.dom || d.nth || d.date) return decline('unsupported', 'an exception to a day of the month cannot be one cron');
    weekdays = (weekdays ?? ALL_DAYS).filter((x) => !d.except.includes(x));
    if (weekdays.length === 0) return decline('contradictory', 'the exception removes every day');
  }
  if (d.date && (d.dom || d.nth)) return decline('contradictory', 'the phrase names a date and other days of the month');
  if (d.date && d.months && !(d.months.length === 1 && d.months[0] === d.date.month)) return decline('contradictory', 'the phrase names a date in another month');
  if (d.nth && d.dom) return decline('contradictory', 'the phrase names both a weekday of the month and a day of the month');
  if (weekdays && d.nth && !d.except.length) return decline('contradictory', 'the phrase names weekdays twice');
  if (weekdays && (d.dom || d.date)) return decline('unsupported', 'a weekday together with a day of the month would fire on either; one cron cannot say "both"');
  if (d.phase?.unit === 'day' && !(e?.unit === 'day' && e.n > 1)) return decline('unsupported', 'a starting day of the month needs a day step such as "every 5 days"');
  let dom = d.date ? String(d.date.day) : domField(d);
  let months: number[] | null = d.date ? [d.date.month] : d.months;
  let dow = weekdays ? listField(weekdays, 0, 6) : d.nth ? d.nth.map((x) => `${x.dow}#${x.nth}`).join(',') : null;
  let monthStep = 0;

  if (e?.unit === 'day') {
    if (e.n === 1) {
      if (d.weekdays || d.nth || d.dom || d.date) return decline('contradictory', '"every day" and specific days disagree');
    } else if (d.monthAnchor) {
      if (d.weekdays || d.nth || d.dom || d.date || d.except.length) return decline('contradictory', 'a day step and specific days disagree');
      const from = d.phase?.unit === 'day' ? d.phase.value : 1;
      dom = `${from}-31/${e.n}`;
    }
  } else if (e?.unit === 'week') {
    if (e.n > 1) return decline('unsupported', `every ${e.n} weeks cannot be one cron; say "every ${e.n * 7} days" for a fixed interval`);
    if (d.dom || d.date || d.nth) return decline('contradictory', '"every week" and days of the month disagree');
    if (dow === null) {
      dow = String(today.dow);
      notes.push(`every week on ${DAY_NAMES[today.dow]} (today's weekday)`);
    }
  } else if (e?.unit === 'month' || e?.unit === 'quarter') {
    const n = e.unit === 'quarter' ? e.n * 3 : e.n;
    if (12 % n !== 0) return decline('unsupported', `every ${n} months cannot be one cron (months are not a fixed interval and ${n} does not divide 12)`);
    if (d.months || d.date) return decline('contradictory', 'a monthly repeat and specific months disagree');
    if (weekdays) return decline('ambiguous', 'which of those weekdays in the month? e.g. "the first monday of every month"');
    // "quarterly" is the calendar quarters, on their first day; "every month" starts today.
    const calendar = e.unit === 'quarter';
    if (dom === null && dow === null) {
      if (calendar) dom = '1';
      else {
        if (today.day > 28) return decline('ambiguous', `today is the ${ordinalOf(today.day)}, which some months do not have: say "on the ${ordinalOf(today.day)}" or "on the last day of the month"`);
        dom = String(today.day);
        notes.push(`on the ${ordinalOf(today.day)} (today's date)`);
      }
    }
    if (n > 1) {
      // "every 3 months" counts from this month; "every quarter" from January.
      const first = calendar ? 1 : ((today.month - 1) % n) + 1;
      months = [];
      for (let m = first; m <= 12; m += n) months.push(m);
      monthStep = first === 1 ? n : 0;
    }
  } else if (e?.unit === 'year') {
    if (e.n > 1) return decline('unsupported', `every ${e.n} years cannot be one cron`);
    if (weekdays) return decline('contradictory', '"every year" and weekdays disagree');
    if (d.nth && !months) {
      if (d.nth.some((x) => x.nth !== 'L' && x.nth > 4) || d.nth.length > 1) return decline('unsupported', 'that weekday of the year cannot be one cron');
      months = d.nth[0]?.nth === 'L' ? [12] : [1];
    } else if (d.dom && !months) return decline('ambiguous', 'which month? e.g. "every year on the 15th of march"');
    else if (!d.dom && !d.date && !d.nth) {
      if (months) return decline('ambiguous', 'which day of the month?');
      if (today.month === 2 && today.day === 29) return decline('ambiguous', 'today is February 29: say which date each year');
      dom = String(today.day);
      months = [today.month];
      notes.push(`every year on ${MONTH_NAMES[today.month]} ${today.day} (today's date)`);
    }
  }
  const bad = checkDaysExist(d, months);
  if (bad) return bad;
  const constrained = dom !== null || months !== null || dow !== null;
  const month = monthStep > 1 && monthStep < 12 ? `*/${monthStep}` : months ? listField(months, 1, 12) : '*';
  return { dom: dom ?? '*', month, dow: dow ?? '*', constrained };
}

/** Fixed times as second, minute and hour fields, when one cron holds exactly them. */
function timeFields(times: readonly DayTime[]): { sec: string; min: string; hour: string } | Decline {
  if (times.some((x) => x.nextDay)) return decline('ambiguous', '"midnight" at night: the end of which day?');
  const secs = new Set(times.map((x) => x.s));
  const mins = new Set(times.map((x) => x.m));
  const hours = new Set(times.map((x) => x.h));
  const distinct = new Set(times.map((x) => `${x.h}:${x.m}:${x.s}`));
  if (secs.size * mins.size * hours.size !== distinct.size) {
    return decline('unsupported', 'those times have different minutes at different hours; one cron cannot hold exactly them');
  }
  return { sec: listField(secs, 0, 59), min: listField(mins, 0, 59), hour: listField(hours, 0, 23) };
}

function cron(sec: string, min: string, hour: string, f: DayFields): Recurring {
  const five = `${min} ${hour} ${f.dom} ${f.month} ${f.dow}`;
  return { kind: 'cron', cron: sec === '0' ? five : `${sec} ${five}` };
}

/** A repeat finer than a day: every n seconds, minutes or hours. */
function subDay(d: Draft, seconds: number, f: DayFields, times: readonly DayTime[]): Recurring | Decline {
  if (times.length) return decline('contradictory', 'a repeat every few minutes or hours and fixed times of day disagree');
  const aligned = d.every?.aligned ?? false;
  if (!f.constrained && !d.windows.length && !d.minutes && !d.phase && !d.startAt && !aligned) {
    return { kind: 'interval', everySeconds: seconds };
  }
  const what = `every ${seconds % 3600 === 0 ? `${seconds / 3600} hours` : seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} seconds`}`;
  if (seconds < 60) {
    if (60 % seconds !== 0) return decline('unsupported', `${what} restarts each minute under cron; only a plain interval is exact`);
    if (d.minutes || d.startAt) return decline('contradictory', 'a seconds repeat and a time of day disagree');
    const sec = stepField(d.phase?.unit === 'second' ? d.phase.value : 0, seconds, 60);
    if (!d.windows.length) return cron(sec, '*', '*', f);
    const w = minuteWindows(d.windows, 1);
    if (isDecline(w)) return w;
    if (w.min !== '*') return decline('unsupported', 'a seconds repeat inside a range that ends mid-hour cannot be one cron');
    return cron(sec, '*', hourField(w.hours, 1), f);
  }
  if (seconds < 3600) {
    const step = seconds / 60;
    if (!Number.isInteger(step) || 60 % step !== 0) return decline('unsupported', `${what} restarts each hour under cron; only a plain interval is exact`);
    if (d.minutes) return decline('contradictory', 'a minutes repeat and minutes past the hour disagree');
    if (d.startAt) return decline('unsupported', 'a start time for a minutes repeat is a start date; create the task when it should start');
    // "every minute at second 10": the second within the minute.
    const sec = d.phase?.unit === 'second' ? String(d.phase.value) : '0';
    if (!d.windows.length) return cron(sec, stepField(d.phase?.unit === 'minute' ? d.phase.value : 0, step, 60), '*', f);
    if (d.phase) return decline('unsupported', 'a starting minute inside a time range cannot be one cron');
    const w = minuteWindows(d.windows, step);
    if (isDecline(w)) return w;
    return cron(sec, w.min, hourField(w.hours, 1), f);
  }
  const step = seconds / 3600;
  if (!Number.isInteger(step) || step >= 24) return decline('unsupported', `${what} with other conditions cannot be one cron`);
  if (d.phase) return decline('unsupported', 'a starting minute for an hours repeat is unclear; say e.g. "every 2 hours at :15"');
  if (d.minutes && d.minutes.length > 1 && step > 1) return decline('unsupported', 'several minutes with an hours step cannot be one cron');
  const minute = d.minutes ? listField(d.minutes, 0, 59) : String(d.startAt?.m ?? d.windows[0]?.from.m ?? 0);
  if (d.startAt) {
    if (d.windows.length || d.minutes) return decline('contradictory', 'a start time and a time range disagree');
    if (24 % step === 0) return cron(String(d.startAt.s), minute, `${d.startAt.h % step}-23/${step}`, f);
    if (f.constrained) return decline('unsupported', `${what} restarts each day under cron`);
    return { kind: 'interval', everySeconds: seconds, anchorAt: { h: d.startAt.h, m: d.startAt.m, s: d.startAt.s, nextDay: false } };
  }
  if (d.windows.length) {
    if (d.minutes && d.minutes.length > 1) return decline('unsupported', 'several minutes inside a time range cannot be one cron');
    const hours = hourWindows(d.windows, step, Number(minute));
    if (isDecline(hours)) return hours;
    return cron('0', minute, hourField(hours, step), f);
  }
  if (24 % step !== 0) return decline('unsupported', `${what} restarts each day under cron; only a plain interval is exact`);
  return cron('0', minute, stepField(0, step, 24), f);
}

/** The cron or interval a repeating draft means, or why there is none. */
export function buildRecurring(d: Draft, today: Today, notes: string[] = []): Recurring | Decline {
  const read = applyPeriodAll(d.times, d.period);
  if (isDecline(read)) return read;
  let times = read;
  if (d.morePeriods.length && (!d.every || UNIT_SECONDS[d.every.unit] < 86400) && !d.recur) return decline('ambiguous', 'which parts of the day, how often? e.g. "every morning and evening"');
  const e = d.every;
  if (!e && d.months && !d.weekdays && !d.nth && !d.dom && !d.date && !d.except.length && !times.length && !d.minutes && !d.windows.length) {
    return decline('ambiguous', 'which day of those months? add a day or a time');
  }
  // "every morning", "weekday evenings": the part of the day stands for its time.
  const dayLevel = !e || UNIT_SECONDS[e.unit] >= 86400;
  if (d.period && dayLevel && !times.length && !d.windows.length && !d.minutes) times = timesOrDefault(times, d.period, notes, d.morePeriods);
  // "every 30 minutes in the morning": the part of the day is a range of hours nobody stated;
  // dropping it would run the repeat all day.
  if (d.period && !dayLevel && !times.length) return decline('ambiguous', `which hours is "${d.period}"? say e.g. "every 30 minutes between 8am and 12pm"`);
  const f = dayFields(d, today, notes);
  if (isDecline(f)) return f;
  // "at 10 minutes past the hour" (every day, or on set days): minutes past the hour mean every hour.
  if (d.minutes && !times.length && (!e || (e.unit === 'day' && e.n === 1))) return subDay({ ...d, every: { n: 1, unit: 'hour', aligned: true } }, 3600, f, times);
  if (e && UNIT_SECONDS[e.unit] < 86400) return subDay(d, e.n * UNIT_SECONDS[e.unit], f, times);
  if (e?.unit === 'day' && e.n > 1 && !d.monthAnchor) {
    if (f.constrained || times.length || d.windows.length || d.minutes) {
      return decline('unsupported', `every ${e.n} days at set times or on set days cannot be one cron (months have odd lengths); "every ${e.n} days" alone is a fixed interval`);
    }
    return { kind: 'interval', everySeconds: e.n * 86400 };
  }
  if (d.windows.length) return decline('ambiguous', 'how often within that time range? e.g. "every 15 minutes between 9am and 5pm"');
  if (d.minutes) return decline('ambiguous', 'minutes past the hour need "every hour"');
  if ((d.phase && d.phase.unit !== 'day') || d.startAt) return decline('unsupported', 'a starting point needs a repeat such as "every 15 minutes"');
  times = timesOrDefault(times, null, notes);
  // "every night at 2am" is 02:00 every day; "every friday night at 1am" would be Saturday's 01:00.
  if (times.some((x) => x.nextDay && !(x.h === 0 && x.m === 0))) {
    if (f.constrained) return decline('ambiguous', 'a time after midnight on those nights falls on the next day; name that day instead');
    times = times.map((x) => ({ ...x, nextDay: false }));
  }
  const t = timeFields(times);
  if (isDecline(t)) return t;
  return cron(t.sec, t.min, t.hour, f);
}
