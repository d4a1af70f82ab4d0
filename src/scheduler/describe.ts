// Plain-English descriptions of cron expressions ("At 09:00, Monday through Friday").
// Written for the shapes people actually schedule; anything unusual still gets an exact,
// if wordier, field-by-field description rather than a guess.

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_ABBR = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_ABBR = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const ORDINAL_WORDS = ['', 'first', 'second', 'third', 'fourth', 'fifth'];

const pad = (n: number) => String(n).padStart(2, '0');

export function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${n % 10 > 3 ? 'th' : s}`;
}

/** "a, b and c" */
export function joinAnd(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function replaceNames(field: string, names: string[], offset: number): string {
  return field.toUpperCase().replace(/[A-Z]{3}/g, (m) => {
    const i = names.indexOf(m);
    return i < 0 ? m : String(i + offset);
  });
}

/** A single plain number, or null. */
function single(field: string): number | null {
  return /^\d+$/.test(field) ? Number(field) : null;
}

/** A comma list of plain numbers, or null. */
function numberList(field: string): number[] | null {
  return /^\d+(,\d+)*$/.test(field) ? field.split(',').map(Number) : null;
}

function step(field: string): { every: number; from: number; to: number | null } | null {
  const m = /^(\*|\d+)(?:-(\d+))?\/(\d+)$/.exec(field);
  if (!m) return null;
  return { every: Number(m[3]), from: m[1] === '*' ? 0 : Number(m[1]), to: m[2] === undefined ? null : Number(m[2]) };
}

/** Describes the values of a plain field (lists, ranges, steps) through a namer. */
function listOf(field: string, name: (n: number) => string, unit: string): string {
  const parts = field.split(',').map((part) => {
    const st = step(part);
    if (st) {
      const range = st.to === null ? (st.from ? ` from ${name(st.from)}` : '') : ` from ${name(st.from)} through ${name(st.to)}`;
      return `every ${st.every} ${unit}s${range}`;
    }
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) return `${name(Number(range[1]))} through ${name(Number(range[2]))}`;
    return /^\d+$/.test(part) ? name(Number(part)) : part;
  });
  return joinAnd(parts);
}

function describeTime(sec: string, min: string, hour: string): string {
  const s = single(sec);
  const minutes = numberList(min);
  const hours = numberList(hour);
  if (s !== null && minutes && hours && minutes.length * hours.length <= 8) {
    const times = hours.flatMap((h) => minutes.map((m) => `${pad(h)}:${pad(m)}${s ? `:${pad(s)}` : ''}`));
    return `At ${joinAnd(times)}`;
  }
  let secondsPart = '';
  if (sec !== '0') {
    const st = step(sec);
    if (sec === '*') secondsPart = 'Every second';
    else if (st && st.to === null && st.from === 0) secondsPart = `Every ${st.every} seconds`;
    else secondsPart = `At second ${listOf(sec, String, 'second')}`;
  }
  let minutePart: string;
  const m = single(min);
  const minStep = step(min);
  if (min === '*') minutePart = secondsPart ? '' : 'Every minute';
  else if (minStep && minStep.to === null && minStep.from === 0) minutePart = `Every ${minStep.every} minutes`;
  else if (m === 0 && hour === '*' && !secondsPart) minutePart = 'Every hour';
  else minutePart = `At ${m === null || m === 1 ? `minute${m === null ? 's' : ''} ${listOf(min, String, 'minute')}` : `${m} minutes`} past the hour`;
  if (secondsPart && minutePart) minutePart = `${secondsPart}, ${minutePart.charAt(0).toLowerCase()}${minutePart.slice(1)}`;
  else if (secondsPart) minutePart = secondsPart;

  if (hour === '*') return minutePart;
  const hourStep = step(hour);
  if (hourStep && m === 0 && !secondsPart) {
    const from = hourStep.from ? ` from ${pad(hourStep.from)}:00` : '';
    return `Every ${hourStep.every} hours${hourStep.to === null ? from : ` from ${pad(hourStep.from)}:00 through ${pad(hourStep.to)}:00`}`;
  }
  if (hourStep) {
    const range = hourStep.to === null ? (hourStep.from ? ` from ${pad(hourStep.from)}:00` : '') : ` from ${pad(hourStep.from)}:00 through ${pad(hourStep.to)}:00`;
    return `${minutePart}, every ${hourStep.every} hours${range}`;
  }
  const range = /^(\d+)-(\d+)$/.exec(hour);
  if (range) return `${minutePart}, between ${pad(Number(range[1]))}:00 and ${pad(Number(range[2]))}:59`;
  if (hours) return `${minutePart}, during the ${joinAnd(hours.map((h) => `${pad(h)}:00`))} hour${hours.length === 1 ? '' : 's'}`;
  return `${minutePart}, during the hours ${listOf(hour, (h) => `${pad(h)}:00`, 'hour')}`;
}

function describeDow(dow: string): string {
  const nth = /^(\d)#(\d|L)$/.exec(dow);
  if (nth) {
    const day = DAYS[Number(nth[1]) % 7];
    return nth[2] === 'L' ? `on the last ${day} of the month` : `on the ${ORDINAL_WORDS[Number(nth[2])]} ${day} of the month`;
  }
  const lastOf = /^(\d)L$/.exec(dow);
  if (lastOf) return `on the last ${DAYS[Number(lastOf[1]) % 7]} of the month`;
  if (dow === '1-5') return 'Monday through Friday';
  if (dow === '0,6' || dow === '6,0') return 'on Saturday and Sunday';
  const list = numberList(dow);
  if (list?.length === 1) return `only on ${DAYS[(list[0] as number) % 7]}`;
  return `on ${listOf(dow, (d) => DAYS[d % 7] ?? String(d), 'day')}`.replace(/^on (\w+day) through/, '$1 through');
}

function describeDom(dom: string): string {
  if (dom === 'L') return 'on the last day of the month';
  if (dom === 'LW') return 'on the last weekday of the month';
  const w = /^(\d+)W$/.exec(dom);
  if (w) return `on the weekday nearest the ${ordinal(Number(w[1]))} of the month`;
  const st = step(dom);
  if (st && (st.to === null || st.to === 31)) return `every ${st.every} days of the month, starting on the ${ordinal(st.from || 1)}`;
  const list = numberList(dom);
  if (list) return `on the ${joinAnd(list.map(ordinal))} of the month`;
  return `on day ${listOf(dom, ordinal, 'day')} of the month`;
}

function describeMonth(month: string): string {
  const st = step(month);
  if (st && st.to === null) return `every ${st.every} months, starting in ${MONTHS[(st.from || 1) - 1]}`;
  const list = numberList(month);
  const text = listOf(month, (m) => MONTHS[m - 1] ?? String(m), 'month');
  return list?.length === 1 ? `only in ${text}` : `in ${text}`;
}

/** Describes a croner-syntax expression (5 fields, or 6 with seconds first). */
export function describeCron(expr: string): string {
  const fields = expr.trim().split(/\s+/);
  if (fields.length === 5) fields.unshift('0');
  if (fields.length !== 6) return `Cron "${expr}"`;
  const [sec, min, hour, dom, month, dow] = fields.map((f) => (f === '?' ? '*' : f)) as [string, string, string, string, string, string];
  const dowN = replaceNames(dow, DAY_ABBR, 0).replace(/\b7\b/g, '0');
  const monthN = replaceNames(month, MONTH_ABBR, 1);
  const parts = [describeTime(sec, min, hour)];
  const domPart = dom === '*' ? '' : describeDom(dom);
  const dowPart = dowN === '*' ? '' : describeDow(dowN);
  // Like Vixie cron, croner fires when either the day of month or the weekday matches.
  if (domPart && dowPart) parts.push(`${domPart} or ${dowPart.replace(/^only /, '')}`);
  else if (domPart || dowPart) parts.push(domPart || dowPart);
  if (monthN !== '*') parts.push(describeMonth(monthN));
  return parts.join(', ');
}
