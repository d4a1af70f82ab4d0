// "Now" as the task's zone sees it, for the prompt. One Intl formatter per zone, kept by the runner
// that made it: building a formatter is the expensive part, and luxon's formatting of the same thing
// costs several formatToParts calls per run.

export interface LocalTime {
  /** e.g. "Wednesday 2026-11-25 13:56:18" */
  text: string;
  /** e.g. "+01:00" */
  offset: string;
}

// IANA has about 600 zones; the bound only guards against a flood of invalid-but-accepted names.
const MAX_ZONES = 1000;

/**
 * A formatter function with its own per-zone cache of the formatter and of the last second it
 * formatted (runs starting in the same second, the common case under load, share the answer).
 */
export function createLocalTime(): (now: Date, timezone: string) => LocalTime {
  const formatters = new Map<string, Intl.DateTimeFormat>();
  const last = new Map<string, { second: number; value: LocalTime }>();
  return (now, timezone) => {
    const second = Math.floor(now.getTime() / 1000);
    const hit = last.get(timezone);
    if (hit && hit.second === second) return hit.value;
    let f = formatters.get(timezone);
    if (!f) {
      if (formatters.size >= MAX_ZONES) {
        formatters.clear();
        last.clear();
      }
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: timezone,
        weekday: 'long',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'longOffset',
      });
      formatters.set(timezone, f);
    }
    const p: Record<string, string> = {};
    for (const part of f.formatToParts(now)) p[part.type] = part.value;
    const offset = (p.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00';
    const value = { text: `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`, offset };
    last.set(timezone, { second, value });
    return value;
  };
}
