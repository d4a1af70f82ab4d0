/**
 * Cron expression parser with exactly croner 11's grammar under its default options (what
 * `new Cron(expr, { timezone, paused: true })` accepts), compiled to a few bitmasks.
 *
 * The checks follow croner's order (nickname, field count, `?`, day-of-month `L`/`LW`, names, `+`,
 * illegal characters, then each field left to right) so the same expressions are accepted and
 * rejected; the messages name fields and values as the user wrote them. Expressions made only of
 * digits, `*`, `,`, `-`, `/` and spaces take a faster, equivalent path (cron-parse-plain.ts).
 */

import {
  type Acc,
  type CompiledCron,
  checkStep,
  compile,
  DOM,
  DOW,
  FULL_HI,
  FULL_LO,
  fail,
  LABEL,
  NEAREST,
  newAcc,
  SHIFT,
  SIZE,
  setIndex,
  setRange,
  YEAR,
} from './cron-fields.ts';
import { parsePlain } from './cron-parse-plain.ts';

export type { CompiledCron } from './cron-fields.ts';

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * SUN',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

// Order matters: "-sun" first, so "MON-SUN" reads as 1–7 rather than 1–0.
const DAY_NAMES: readonly [RegExp, string][] = [
  [/-sun/gi, '-7'],
  ...['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((n, i): [RegExp, string] => [new RegExp(n, 'gi'), String(i)]),
];
const MONTH_NAMES: readonly [RegExp, string][] = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map(
  (n, i): [RegExp, string] => [new RegExp(n, 'gi'), String(i + 1)],
);

const ILLEGAL = /[^/*0-9,-]/;
const ILLEGAL_DOM = /[^/*0-9,\-WwLl]/;
const ILLEGAL_DOW = /[^/*0-9,\-#Ll]/;
const RANGE_STEP = /^(\d+)-(\d+)\/(\d+)$/;

function toNumber(text: string): number {
  return /^\d+$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
}

/** Replaces month or day names with numbers; like croner, a name must not touch letters or digits. */
function replaceNames(field: string, names: readonly [RegExp, string][]): string {
  let out = field;
  for (const [re, value] of names) {
    out = out.replace(re, (match: string, offset: number, whole: string) => {
      const at = offset + match.length - 3;
      if (/[a-z\d/#]/i.test(whole.charAt(at - 1)) || /[a-km-z\d]/i.test(whole.charAt(at + 3))) {
        fail(`a month or day name has to stand alone ("${field}")`);
      }
      return value;
    });
  }
  return out;
}

/** Splits off a weekday occurrence: "5#3" → ["5", "3"], "5L" → ["5", "L"]. */
function splitNth(text: string, field: number): [string, string | undefined] {
  if (text.includes('#')) {
    if (field !== DOW) fail('nth (#) is only allowed in day-of-week');
    const parts = text.split('#');
    if (parts.length !== 2 || parts[1] === '') fail(`illegal nth weekday "${text}"`);
    return [parts[0] as string, parts[1]];
  }
  if (text.toUpperCase().endsWith('L')) {
    if (field !== DOW) fail('the L modifier is only allowed in day-of-week (use L alone for the last day of the month)');
    return [text.slice(0, -1), 'L'];
  }
  return [text, undefined];
}

/** The common items, parsed in one regex: "n", "a-b", "a-b/s", "*\/s"; the rest go through croner's handlers (parseSpecial). */
const PLAIN = /^(?:(\d+)(?:-(\d+)(?:\/(\d+))?)?|\*\/(\d+))$/;

/** One comma-separated item (or the whole field), following croner's partToArray. */
function parseItem(acc: Acc, field: number, text: string): void {
  if (text === '') {
    if (field === DOM && (acc.lastDay || acc.lastWeekday)) return;
    fail(`${LABEL[field]} is empty`);
  }
  if (text === '*') {
    if (field === DOW) acc.weekdays.fill(63);
    else if (field === YEAR) acc.years.push(1, 9999, 1);
    else {
      acc.lo[field] = FULL_LO[field] as number;
      acc.hi[field] = FULL_HI[field] as number;
    }
    return;
  }
  if (text.includes(',')) {
    for (const item of text.split(',')) parseItem(acc, field, item);
    return;
  }
  const m = PLAIN.exec(text);
  if (m === null) {
    parseSpecial(acc, field, text);
    return;
  }
  const shift = SHIFT[field] as number;
  if (m[4] !== undefined) {
    // croner steps from table index 0: day 1, January, Sunday; years from 0, which it skips.
    const step = Number.parseInt(m[4], 10);
    checkStep(field, step);
    if (field === YEAR) setRange(acc, YEAR, step, 9999, step, undefined);
    else setRange(acc, field, 0, (SIZE[field] as number) - 1, step, undefined);
    return;
  }
  const from = Number.parseInt(m[1] as string, 10) + shift;
  if (m[2] === undefined) {
    if (field === YEAR) setRange(acc, YEAR, from, from, 1, undefined);
    else setIndex(acc, field, from, undefined);
    return;
  }
  const to = Number.parseInt(m[2], 10) + shift;
  if (from > to) fail(`range start is larger than its end ("${text}")`);
  let step = 1;
  if (m[3] !== undefined) {
    step = Number.parseInt(m[3], 10);
    checkStep(field, step);
  }
  setRange(acc, field, from, to, step, undefined);
}

/** Items with names already replaced but with W, #, L, or malformed: croner's handlers, in its order. */
function parseSpecial(acc: Acc, field: number, text: string): void {
  const shift = SHIFT[field] as number;
  const upper = text.toUpperCase();
  const hasRange = text.includes('-');
  const hasStep = text.includes('/');
  if (hasRange || hasStep) {
    if (upper.includes('W')) fail(`W is not allowed in a range or step ("${text}")`);
    const [base, nth] = splitNth(text, field);
    if (hasRange && hasStep) {
      const m = RANGE_STEP.exec(base);
      if (!m) fail(`illegal range with step "${text}"`);
      const from = Number.parseInt(m[1] as string, 10) + shift;
      const to = Number.parseInt(m[2] as string, 10) + shift;
      const step = Number.parseInt(m[3] as string, 10);
      if (from > to) fail(`range start is larger than its end ("${text}")`);
      checkStep(field, step);
      setRange(acc, field, from, to, step, nth);
    } else if (hasRange) {
      const ends = base.split('-');
      if (ends.length !== 2) fail(`illegal range "${text}"`);
      const from = toNumber(ends[0] as string) + shift;
      const to = toNumber(ends[1] as string) + shift;
      if (Number.isNaN(from) || Number.isNaN(to)) fail(`illegal range "${text}"`);
      if (from > to) fail(`range start is larger than its end ("${text}")`);
      setRange(acc, field, from, to, 1, nth);
    } else {
      const parts = base.split('/');
      if (parts.length !== 2) fail(`illegal step "${text}"`);
      // croner (without `sloppyRanges`) allows only */n; a/n must be written a-max/n.
      if (parts[0] !== '*') fail(`a step needs * or a range before it ("${text}"); write */n or a-b/n`);
      const step = toNumber(parts[1] as string);
      if (Number.isNaN(step)) fail(`illegal step "${text}"`);
      checkStep(field, step);
      // croner steps from table index 0: day 1, January, Sunday; years from 0, which it skips.
      if (field === YEAR) setRange(acc, YEAR, step, 9999, step, undefined);
      else setRange(acc, field, 0, (SIZE[field] as number) - 1, step, nth);
    }
    return;
  }
  const [base, nth] = splitNth(text, field);
  const isNearest = upper.includes('W');
  if (isNearest && field !== DOM) fail('W (nearest weekday) is only allowed in day-of-month');
  const value = toNumber(isNearest ? base.replace(/W$/i, '') : base);
  if (Number.isNaN(value)) fail(`${LABEL[field]} is not a number: "${text}"`);
  if (field === YEAR) setRange(acc, YEAR, value, value, 1, undefined);
  else setIndex(acc, isNearest ? NEAREST : field, value + shift, nth);
}

/** Parses a cron expression (5 fields, 6 with seconds first, 7 with a year last, or a nickname). */
export function parseCron(expr: string): CompiledCron {
  if (typeof expr !== 'string') fail('a cron expression must be a string');
  return parsePlain(expr) ?? parseGeneral(expr);
}

/** The croner-order parser on its own (parseCron tries the plain fast path first); exported for tests. */
export function parseGeneral(expr: string): CompiledCron {
  // croner reads any string with a ':' after its first character as a one-off date-time (e.g.
  // "2030-01-01T09:00"); that is not a schedule, so it is refused here rather than half-supported.
  if (expr.includes(':')) fail(`"${expr}" is a date-time, not a cron expression`);
  let pattern = expr;
  if (pattern.includes('@')) {
    const key = pattern.trim().toLowerCase();
    if (key === '@reboot') fail('@reboot is not supported');
    pattern = (Object.hasOwn(NICKNAMES, key) ? (NICKNAMES[key] as string) : pattern).trim();
  }
  const parts = pattern.match(/\S+/g) ?? [''];
  if (parts.length < 5 || parts.length > 7) {
    fail(`expected 5, 6 or 7 fields separated by spaces, got ${pattern.trim() === '' ? 0 : parts.length}`);
  }
  if (parts.length === 5) parts.unshift('0');
  if (parts.length === 6) parts.push('*');
  const f = pattern.includes('?') ? parts.map((p) => p.replace(/\?/g, '*')) : parts;

  const acc = newAcc();
  let dom = f[3] as string;
  if (dom.length === 2 && dom.toUpperCase() === 'LW') {
    acc.lastWeekday = true;
    dom = '';
  } else if (/l/i.test(dom)) {
    const items = dom.split(',');
    if (items.length > 1 && items.some((o) => o.toUpperCase() === 'LW')) fail(`LW cannot be in a list ("${dom}")`);
    if (items.some((o) => o === '' || (o.toUpperCase() !== 'L' && /l/i.test(o)))) {
      fail(`L has to stand alone in day-of-month ("${dom}"); croner has no L-n`);
    }
    dom = items.filter((o) => o.toUpperCase() !== 'L').join(',');
    acc.lastDay = true;
  }
  f[3] = dom;
  const starDom = dom === '*';
  const starYear = f[6] === '*';
  let month = f[4] as string;
  if (month.length >= 3 && /[a-z]/i.test(month)) month = replaceNames(month, MONTH_NAMES);
  f[4] = month;
  let dow = f[5] as string;
  if (dow.length >= 3 && /[a-z]/i.test(dow)) dow = replaceNames(dow, DAY_NAMES);
  const andDow = dow.startsWith('+');
  if (andDow) {
    dow = dow.slice(1);
    if (dow === '') fail('day-of-week cannot be empty after the + modifier');
  }
  f[5] = dow;
  const starDow = dow === '*';
  for (let i = 0; i < 7; i++) {
    const re = i === DOM ? ILLEGAL_DOM : i === DOW ? ILLEGAL_DOW : ILLEGAL;
    if (re.test(f[i] as string)) fail(`${LABEL[i]} "${f[i]}" contains illegal characters`);
  }
  for (let i = 0; i < 7; i++) parseItem(acc, i, f[i] as string);

  const timeText = `${f[0]} ${f[1]} ${f[2]}`;
  return compile(acc, { starDom, starDow, starYear, andDow, plainTime: !timeText.includes('*') && !timeText.includes('/') });
}
