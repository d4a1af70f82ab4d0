// Times and numbers as people read them, in the zone they chose (Intl only, no library).
import { h } from './dom.ts';

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "in 3 hours", "2 minutes ago", "now". */
export function relative(at: Date, now = Date.now()): string {
  const diff = at.getTime() - now;
  if (Math.abs(diff) < 10_000) return 'now';
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') return relativeFormat.format(Math.round(diff / ms), unit);
  }
  return '';
}

/** The browser's zone, and its locale's clock: every time on the page is shown in that one style. */
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
export const HOUR_CYCLE: 'h12' | 'h23' = (() => {
  const cycle = new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hourCycle;
  return cycle === 'h11' || cycle === 'h12' ? 'h12' : 'h23';
})();

/**
 * "Thu, Nov 26, 09:00" in `zone`, with the zone's short name when it is not the browser's
 * ("…, 09:00 GMT+1"); the year only when it is not this year.
 */
export function absolute(at: Date, zone: string): string {
  const sameYear = at.getUTCFullYear() === new Date().getUTCFullYear();
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
    // "9:00 AM" as the descriptions read it; "09:00" on a 24-hour clock.
    hour: HOUR_CYCLE === 'h12' ? 'numeric' : '2-digit',
    minute: '2-digit',
    hourCycle: HOUR_CYCLE,
    ...(zone !== BROWSER_ZONE ? { timeZoneName: 'short' } : {}),
  }).format(at);
}

const clockFormat = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', hour: 'numeric', minute: '2-digit', hourCycle: HOUR_CYCLE });

/**
 * A schedule's description with its wall-clock times ("At 17:30", written 24-hour by the server)
 * in the browser's clock style ("At 5:30 PM" where the locale reads 12-hour), so the description
 * and the run times beside it agree.
 */
export function localClock(text: string): string {
  if (HOUR_CYCLE === 'h23') return text;
  return text.replace(/\b([01]\d|2[0-3]):([0-5]\d)\b/g, (_, hh: string, mm: string) => clockFormat.format(Date.UTC(2000, 0, 1, Number(hh), Number(mm))));
}

/** A `<time>` showing the relative time, kept fresh by `refreshTimes`, with the absolute one beside it. */
export function when(iso: string, zone: string, opts: { absoluteFirst?: boolean } = {}): HTMLElement {
  const at = new Date(iso);
  const rel = h('time', { datetime: iso, 'data-relative': '', title: absolute(at, zone) }, relative(at));
  const abs = h('span', { class: 'muted' }, absolute(at, zone));
  return opts.absoluteFirst ? h('span', { class: 'when' }, abs, ' · ', rel) : h('span', { class: 'when' }, rel, ' ', h('span', { class: 'muted' }, '(', abs, ')'));
}

/** Rewrites every relative time on the page (called every few seconds). */
export function refreshTimes(root: ParentNode = document): void {
  const now = Date.now();
  for (const el of Array.from(root.querySelectorAll<HTMLTimeElement>('time[data-relative]'))) {
    const text = relative(new Date(el.dateTime), now);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** "850 ms", "2.4 s", "3 min 12 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const numberFormat = new Intl.NumberFormat();
export const count = (n: number) => numberFormat.format(n);
/** "1 tool call", "3 tool calls". */
export const plural = (n: number, noun: string) => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;

/** Pretty JSON for arguments and results; strings that hold JSON are unpacked first. */
export function pretty(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? '';
}

const SPANS: Array<[string, number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** A whole number of the largest unit that divides `seconds`: 3600 → {n: 1, unit: 'hour'}. */
export function inUnits(seconds: number): { n: number; unit: string; size: number } {
  const [unit, size] = SPANS.find(([, s]) => seconds > 0 && seconds % s === 0) ?? ['second', 1];
  return { n: seconds / size, unit, size };
}

/** "1 hour", "90 minutes", "0 seconds". */
export function span(seconds: number): string {
  const { n, unit } = inUnits(seconds);
  return plural(n, unit);
}
