// Writing cron fields: value lists ("1-5", "2,4-6"), steps ("*/15", "4-59/15") and the minute and
// hour fields of a repeat limited to time windows ("every 15 minutes between 9am and 5pm").
// For minute repeats, a window's end given on the hour is exclusive (9am–5pm fires last at 16:45):
// cron cannot add a lone 17:00 to "*/15 9-16", and "*/15 9-17" would fire until 17:45, after the
// window. An end given with minutes is inclusive: "until 5:55 pm" fires at 17:55, as the corpus'
// "between 8:00 am and 5:55 pm" expects. For hour repeats the end instant itself is inside the
// window: "every hour from 9 to 5" fires at 17:00 too, and nothing fires after it.
import type { ClockTime } from './facts.ts';
import { type Decline, decline } from './types.ts';

/** Sorted unique values as a cron list, runs of three or more as ranges; '*' when all of lo..hi. */
export function listField(values: Iterable<number>, lo: number, hi: number): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length === hi - lo + 1) return '*';
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    const a = sorted[i] as number;
    const b = sorted[j] as number;
    if (j - i >= 2) parts.push(`${a}-${b}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(',');
}

/** Every `step` from `phase` within 0..size-1: "*", "*\/15", "4-59/15". */
export function stepField(phase: number, step: number, size: number): string {
  if (step === 1) return '*';
  const p = phase % step;
  return p === 0 ? `*/${step}` : `${p}-${size - 1}/${step}`;
}

/** Hours as a field, written "a-b/n" when they are an evenly spaced run. */
export function hourField(hours: readonly number[], step: number): string {
  const sorted = [...new Set(hours)].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (step > 1 && first !== undefined && last !== undefined && sorted.length > 2 && sorted.every((h, i) => h === first + i * step)) {
    return `${first}-${last}/${step}`;
  }
  return listField(sorted, 0, 23);
}

const minuteOf = (t: ClockTime) => t.h * 60 + t.m;

function hoursBetween(from: number, to: number): number[] {
  const out: number[] = [];
  for (let h = from; ; h = (h + 1) % 24) {
    out.push(h);
    if (h === to) return out;
  }
}

/** Minute and hour fields for "every `step` minutes" (step divides 60) within windows. */
export function minuteWindows(windows: readonly { from: ClockTime; to: ClockTime }[], step: number): { min: string; hours: number[] } | Decline {
  let min: string | null = null;
  const hours: number[] = [];
  for (const { from, to } of windows) {
    if (from.s || to.s) return decline('unsupported', 'a time range with seconds cannot be one cron');
    let field: string;
    if (from.h === to.h && to.m > from.m) {
      // Within one hour both ends count: "from 2pm until 2:05pm" fires at 14:05.
      field = from.m === 0 && to.m >= 60 - step ? stepField(0, step, 60) : step === 1 ? `${from.m}-${to.m}` : `${from.m}-${to.m}/${step}`;
      hours.push(from.h);
    } else {
      if (from.m !== 0) return decline('unsupported', 'a time range that starts mid-hour and spans hours cannot be one cron');
      field = stepField(0, step, 60);
      if (to.m === 0) hours.push(...hoursBetween(from.h, (to.h + 23) % 24));
      else if (to.m >= 60 - step) hours.push(...hoursBetween(from.h, to.h));
      else return decline('unsupported', `a range ending at ${to.h}:${String(to.m).padStart(2, '0')} cannot be one cron with that step`);
    }
    if (min !== null && min !== field) return decline('unsupported', 'those time ranges need different minutes; one cron cannot hold them');
    min = field;
  }
  return { min: min ?? '*', hours };
}

/** Hours for "every `step` hours" at minute `minute` within windows, both ends included. */
export function hourWindows(windows: readonly { from: ClockTime; to: ClockTime }[], step: number, minute: number): number[] | Decline {
  const hours: number[] = [];
  for (const { from, to } of windows) {
    if (from.s || to.s) return decline('unsupported', 'a time range with seconds cannot be one cron');
    if (minute < from.m) return decline('unsupported', 'the first run would fall before the range starts');
    const start = minuteOf(from);
    let end = minuteOf(to);
    if (end <= start) end += 1440;
    for (let h = from.h; ; h += step) {
      const at = h * 60 + minute;
      if (at > end) break;
      hours.push(h % 24);
    }
  }
  if (hours.length === 0) return decline('impossible', 'no run falls inside that time range');
  return hours;
}
