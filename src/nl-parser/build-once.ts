// A one-off Draft → the instant it means, computed from `now` in the schedule's zone.
// Offsets of hours, minutes and seconds are elapsed time ("in 1 hour" across a fall-back is
// 3600 s); offsets of days and more are calendar steps that keep the wall-clock time.
// A named wall time that does not exist (a spring-forward gap) is refused, not moved; one that
// happens twice (fall-back) is the first of the two.
import { DateTime, type Zone } from 'luxon';
import type { DayRef, Draft } from './facts.ts';
import { applyPeriodAll, type DayTime, timesOrDefault } from './periods.ts';
import { type Decline, decline, isDecline } from './types.ts';


interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The instant of a local wall time, or null when the zone skips it. Repeated times give the earlier. */
export function localInstant(date: LocalDate, time: DayTime, zone: Zone): Date | null {
  const fields = { year: date.year, month: date.month, day: date.day, hour: time.h, minute: time.m, second: time.s };
  const dt = DateTime.fromObject(fields, { zone });
  if (!dt.isValid || dt.day !== date.day || dt.hour !== time.h || dt.minute !== time.m) return null;
  for (const back of [3_600_000, 1_800_000]) {
    const earlier = DateTime.fromMillis(dt.toMillis() - back, { zone });
    if (earlier.day === date.day && earlier.hour === time.h && earlier.minute === time.m && earlier.second === time.s) return earlier.toJSDate();
  }
  return dt.toJSDate();
}

function at(date: LocalDate, time: DayTime, zone: Zone): Date | Decline {
  const day = time.nextDay ? DateTime.fromObject(date, { zone }).plus({ days: 1 }) : null;
  const target = day ? { year: day.year, month: day.month, day: day.day } : date;
  const instant = localInstant(target, time, zone);
  if (instant) return instant;
  return decline('impossible', `${pad(time.h)}:${pad(time.m)} does not exist on ${target.year}-${pad(target.month)}-${pad(target.day)} in ${zone.name} (the clocks skip it)`);
}

/** Days from `today` (ISO weekday 1–7) to the weekday `dow` (0 = Sunday) a reference names. */
function daysTo(ref: Extract<DayRef, { kind: 'weekday' }>, today: number): number {
  const target = ref.dow === 0 ? 7 : ref.dow;
  const forward = (target - today + 7) % 7;
  if (ref.which === 'this') return forward;
  // "friday of this week": the week runs Monday to Sunday, so on a Saturday it has gone (past).
  if (ref.which === 'thisWeek') return target - today;
  if (ref.which === 'coming') return forward === 0 ? 7 : forward;
  // "friday" said alone: this week's, today's if its time is still ahead (the caller moves a gone one on).
  if (ref.which === 'upcoming') return forward;
  // "next friday" is the friday of next week (weeks run Monday to Sunday), as in "friday of next week".
  return 8 - today + (target - 1);
}

function resolveDay(ref: DayRef, nowLocal: DateTime): LocalDate {
  const days = ref.kind === 'days' ? ref.days : daysTo(ref, nowLocal.weekday);
  const d = nowLocal.startOf('day').plus({ days });
  return { year: d.year, month: d.month, day: d.day };
}

function oneTime(times: readonly DayTime[], what: string): DayTime | Decline {
  const [first] = times;
  if (!first) return decline('ambiguous', `what time ${what}?`);
  if (times.length > 1) return decline('unsupported', 'a one-off happens at one time; for several, say "every day at …"');
  return first;
}

/** The next occurrence of a month and day (this year or a later one), at `time`. */
function nextDate(date: { month: number; day: number; year: number | null }, time: DayTime, nowLocal: DateTime, zone: Zone): Date | Decline {
  if (date.year !== null) return at({ year: date.year, month: date.month, day: date.day }, time, zone);
  for (let year = nowLocal.year; year <= nowLocal.year + 8; year++) {
    const probe = DateTime.fromObject({ year, month: date.month, day: date.day }, { zone });
    if (!probe.isValid || probe.day !== date.day) continue;
    const instant = at({ year, month: date.month, day: date.day }, time, zone);
    if (isDecline(instant)) return instant;
    if (instant.getTime() > nowLocal.toMillis()) return instant;
    // Today's date at a time already gone: the user most likely meant today, so say so.
    if (year === nowLocal.year && date.month === nowLocal.month && date.day === nowLocal.day) return decline('past', 'that time today has already passed');
  }
  return decline('impossible', 'that date does not occur');
}

/** The next month-day `day` ("on the 27th") at `time`: this month's if still ahead, else a later month's. */
function nextDayOfMonth(day: number, time: DayTime, nowLocal: DateTime, zone: Zone): Date | Decline {
  const first = nowLocal.startOf('month');
  for (let k = 0; k <= 12; k++) {
    const month = first.plus({ months: k });
    if (day > (month.daysInMonth ?? 0)) continue;
    const instant = at({ year: month.year, month: month.month, day }, time, zone);
    if (isDecline(instant)) return instant;
    if (instant.getTime() > nowLocal.toMillis()) return instant;
  }
  return decline('impossible', 'that day of the month does not occur');
}

/** The instant a one-off draft means, in `zone`, or why there is none. */
export function buildOnce(d: Draft, zone: Zone, now: Date, notes: string[] = []): Date | Decline {
  const nowLocal = DateTime.fromJSDate(now, { zone });
  if (d.morePeriods.length) return decline('unsupported', 'a one-off happens at one time; for several, say "every day at …"');
  const read = applyPeriodAll(d.times, d.period);
  if (isDecline(read)) return read;
  // A day or a date with no time gets its part of the day's time or the default, shown to the user;
  // "today" alone stays a question (09:00 may be gone), and a delay keeps the time it lands on.
  const todayOnly = d.day?.kind === 'days' && d.day.days === 0 && !d.period;
  const times = (d.day || d.date || d.dom) && !todayOnly && !d.offset ? timesOrDefault(read, d.period, notes) : read;
  let result: Date | Decline;
  if (d.offset) {
    if (d.day || d.date) return decline('contradictory', 'a delay and a date disagree');
    const { years, months, weeks, days, seconds } = d.offset;
    const calendar = nowLocal.plus({ years, months, weeks, days });
    if (times.length) {
      if (seconds) return decline('contradictory', 'a delay in hours or minutes and a time of day disagree');
      const time = oneTime(times, '');
      if (isDecline(time)) return time;
      result = at({ year: calendar.year, month: calendar.month, day: calendar.day }, time, zone);
    } else {
      result = calendar.plus({ seconds }).toJSDate();
    }
  } else if (d.day) {
    const time = oneTime(times, d.day.kind === 'days' && d.day.days === 0 ? 'today' : 'on that day');
    if (isDecline(time)) return time;
    result = at(resolveDay(d.day, nowLocal), time, zone);
    if (!isDecline(result) && result.getTime() <= now.getTime() && d.day.kind === 'weekday' && d.day.which === 'upcoming') {
      const next = resolveDay(d.day, nowLocal.plus({ days: 7 }));
      result = at(next, time, zone);
    }
  } else if (d.dom?.kind === 'days' && d.dom.lone) {
    const time = oneTime(times, 'on that day');
    if (isDecline(time)) return time;
    result = nextDayOfMonth(d.dom.days[0] ?? 1, time, nowLocal, zone);
  } else if (d.date) {
    const time = oneTime(times, 'on that date');
    if (isDecline(time)) return time;
    result = nextDate(d.date, time, nowLocal, zone);
  } else {
    const time = oneTime(times, '');
    if (isDecline(time)) return time;
    const today = { year: nowLocal.year, month: nowLocal.month, day: nowLocal.day };
    result = at(today, time, zone);
    if (!isDecline(result) && result.getTime() <= now.getTime()) {
      const t = nowLocal.plus({ days: 1 });
      result = at({ year: t.year, month: t.month, day: t.day }, time, zone);
    }
  }
  if (isDecline(result)) return result;
  if (d.weekdays) {
    const dow = DateTime.fromJSDate(result, { zone }).weekday % 7;
    if (d.weekdays.length !== 1 || d.weekdays[0] !== dow) return decline('contradictory', 'that date falls on another weekday');
  }
  if (result.getTime() <= now.getTime()) return decline('past', 'that time is in the past');
  return result;
}
