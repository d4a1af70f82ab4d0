// Times of day: "9am", "9:30 pm", "21:30", "0930", "9:04:52", "noon", "midnight", "half past 9",
// "quarter to 5", "at 10, 12 and 17". A lone hour ("at 9") is read only where the grammar allows it
// and keeps its 24-hour reading (09:00) unless a part of the day ("tonight") says otherwise.
import type { ClockTime } from './facts.ts';
import { MERIDIEMS, NUMBER_WORDS } from './lexicon.ts';
import { type Clause, hit, isPunct, isWord, listSep, opt, readNumber, refuse, wordAt, words } from './match.ts';
import type { Toks } from './tokenize.ts';
import { type Decline, decline } from './types.ts';

export type ClockResult = { end: number; time: ClockTime } | { end: number; decline: Decline } | null;

const PERIOD_AFTER_HOUR: ReadonlySet<string> = new Set(['tonight', 'in', 'this', 'tomorrow', 'at']);
const DAY_PARTS: ReadonlySet<string> = new Set(['morning', 'afternoon', 'evening', 'night']);

function meridiemAt(t: Toks, i: number): 'am' | 'pm' | null {
  const w = wordAt(t, i);
  // "3p", "12a", "7:30p": a single letter counts only glued to the number.
  if ((w === 'a' || w === 'p') && t[i] && !t[i]?.spaced && (t[i - 1]?.kind === 'num' || t[i - 1]?.kind === 'time')) return w === 'a' ? 'am' : 'pm';
  return MERIDIEMS.get(w) ?? null;
}

/** "19h30", "16h00": the French-style clock, hours and two-digit minutes glued around an "h". */
function hClock(t: Toks, i: number, bare: boolean): ClockResult {
  const h = t[i];
  const m = t[i + 2];
  if (h?.kind !== 'num' || h.norm.length > 2 || !isWord(t, i + 1, 'h') || t[i + 1]?.spaced) return null;
  // "at 21h": the hour alone, only after "at" ("every 2h" is a repeat of two hours).
  if (bare && (m?.kind !== 'num' || m.spaced)) return clock(h.value, 0, 0, null, true, i + 2);
  if (m?.kind !== 'num' || m.norm.length !== 2 || m.spaced) return null;
  return clock(h.value, m.value, 0, null, true, i + 3);
}

/** Validates a written time and reads it on the 24-hour clock. */
function clock(h: number, m: number, s: number, mer: 'am' | 'pm' | null, leadingZero: boolean, end: number): ClockResult {
  const text = `${h}:${String(m).padStart(2, '0')}${mer ?? ''}`;
  if (!Number.isInteger(h) || !Number.isInteger(m) || m > 59 || s > 59) return { end, decline: decline('impossible', `${text} is not a time of day`) };
  if (mer) {
    if (h < 1 || h > 12) return { end, decline: decline('impossible', `${h}${mer} is not a time of day`) };
    return { end, time: { h: (h % 12) + (mer === 'pm' ? 12 : 0), m, s, mer, fixed: true } };
  }
  if (h === 24 && m === 0 && s === 0) return { end, decline: decline('impossible', '24:00 is not a time of day; say midnight') };
  if (h > 23) return { end, decline: decline('impossible', `${text} is not a time of day`) };
  return { end, time: { h, m, s, mer: null, fixed: h === 0 || h > 12 || leadingZero } };
}

/** A time followed by "sharp" or by the same time in brackets, as in "12pm (noon)". */
function withEcho(t: Toks, r: ClockResult): ClockResult {
  if (r && 'time' in r && isWord(t, r.end, 'sharp')) return { end: r.end + 1, time: r.time };
  // "9am on the dot" says no more than "9am sharp".
  if (r && 'time' in r && words(t, r.end, 'on', 'the', 'dot') > 0) return { end: r.end + 3, time: r.time };
  if (!r || 'decline' in r || !isPunct(t, r.end, '(')) return r;
  const echo = readClock(t, r.end + 1, false);
  if (echo && 'time' in echo && echo.time.h === r.time.h && echo.time.m === r.time.m && isPunct(t, echo.end, ')')) {
    return { end: echo.end + 1, time: r.time };
  }
  return r;
}

/** "half past 9", "quarter to 5", "20 past 9", "25 minutes to 6pm". */
function readRelativeClock(t: Toks, i: number): ClockResult {
  let j = opt(t, i, 'a');
  let minutes: number;
  let explicitUnit = false;
  const w = wordAt(t, j);
  if (w === 'half' || w === 'quarter') {
    minutes = w === 'half' ? 30 : 15;
    j++;
  } else {
    const n = readNumber(t, j);
    if (!n || n.value < 1 || n.value > 59 || !Number.isInteger(n.value)) return null;
    minutes = n.value;
    j = n.end;
    const unit = opt(t, j, 'minute', 'minutes', 'min', 'mins');
    explicitUnit = unit > j;
    j = unit;
  }
  const dir = wordAt(t, j);
  // "9 to 5" is a range, not 4:51: "to" needs "quarter" or an explicit "minutes".
  if (dir !== 'past' && !(dir === 'to' && (w === 'quarter' || explicitUnit))) return null;
  const hourTok = t[j + 1];
  const hourWord = wordAt(t, j + 1);
  let hour: number;
  let end = j + 2;
  if (hourWord === 'noon' || hourWord === 'midnight') hour = hourWord === 'noon' ? 12 : 0;
  else {
    const n = readNumber(t, j + 1);
    if (!n || !Number.isInteger(n.value) || n.value > 23 || (hourTok?.kind === 'num' && hourTok.norm.length > 2)) return null;
    hour = n.value;
    end = n.end;
  }
  const mer = hourWord === 'noon' || hourWord === 'midnight' ? null : meridiemAt(t, end);
  const base = clock(hour, 0, 0, mer, false, mer ? end + 1 : end);
  if (!base || 'decline' in base) return base;
  const total = (base.time.h * 60 + (dir === 'past' ? minutes : -minutes) + 1440) % 1440;
  const fixed = base.time.fixed || hourWord === 'noon' || hourWord === 'midnight';
  return { end: base.end, time: { h: Math.floor(total / 60), m: total % 60, s: 0, mer: base.time.mer, fixed } };
}

/**
 * One time of day at i. `bare` lets a lone hour or a four-digit "0930" count (after "at");
 * otherwise the time must be unmistakable: a colon, am/pm, "o'clock", noon or midnight.
 */
export function readClock(t: Toks, i: number, bare: boolean): ClockResult {
  const tok = t[i];
  if (!tok) return null;
  const w = wordAt(t, i);
  if (w === 'noon' || w === 'midday') return withEcho(t, { end: i + 1, time: { h: 12, m: 0, s: 0, mer: null, fixed: true } });
  if (w === 'midnight') return withEcho(t, { end: i + 1, time: { h: 0, m: 0, s: 0, mer: null, fixed: true } });
  const rel = readRelativeClock(t, i);
  if (rel) return rel;
  if (tok.kind === 'time') {
    const [h = 0, m = 0, s = 0] = tok.parts;
    const mer = meridiemAt(t, i + 1);
    return withEcho(t, clock(h, m, s, mer, tok.norm.startsWith('0'), mer ? i + 2 : i + 1));
  }
  const mer = meridiemAt(t, i + 1);
  if (tok.kind === 'num') {
    const digits = tok.norm;
    if (digits.includes('.')) {
      // "9.30pm", or "at 9.30": a decimal point between hour and two-digit minutes.
      const [hh = '', mm = ''] = digits.split('.');
      if (mm.length !== 2 || hh.length > 2 || !(mer || bare)) return null;
      return withEcho(t, clock(Number(hh), Number(mm), 0, mer, hh.startsWith('0'), mer ? i + 2 : i + 1));
    }
    if (digits.length <= 2) {
      const v = tok.value;
      const french = hClock(t, i, bare);
      if (french) return withEcho(t, french);
      if (mer) return withEcho(t, clock(v, 0, 0, mer, false, i + 2));
      const oclock = isWord(t, i + 1, "o'clock") || isWord(t, i + 1, 'oclock') ? i + 2 : isWord(t, i + 1, 'o') && isWord(t, i + 2, 'clock') ? i + 3 : -1;
      if (oclock > 0) return withEcho(t, clock(v, 0, 0, null, digits.length === 2 && digits.startsWith('0'), oclock));
      if (v === 12 && (isWord(t, i + 1, 'noon') || isWord(t, i + 1, 'midnight'))) return readClock(t, i + 1, false);
      if (bare) return withEcho(t, clock(v, 0, 0, null, digits.length === 2 && digits.startsWith('0'), i + 1));
      return null;
    }
    if (digits.length <= 4 && (mer || (bare && digits.length === 4))) {
      // "0900 hours", military style.
      const end = mer ? i + 2 : isWord(t, i + 1, 'hours') || isWord(t, i + 1, 'hrs') ? i + 2 : i + 1;
      return withEcho(t, clock(Math.floor(tok.value / 100), tok.value % 100, 0, mer, digits.startsWith('0'), end));
    }
    return null;
  }
  // Number words: "nine am", "at nine", "at nine thirty", "seven o'clock".
  const n = readNumber(t, i);
  if (!n || n.digits || n.value > 23) return null;
  let end = n.end;
  let minutes = 0;
  const after = readNumber(t, end);
  if (after && !after.digits && after.value >= 10 && after.value <= 59 && NUMBER_WORDS.has(wordAt(t, end))) {
    minutes = after.value;
    end = after.end;
  }
  const wordMer = meridiemAt(t, end);
  if (wordMer) return withEcho(t, clock(n.value, minutes, 0, wordMer, false, end + 1));
  if (isWord(t, end, "o'clock") || isWord(t, end, 'oclock')) return clock(n.value, 0, 0, null, false, end + 1);
  if (bare) return clock(n.value, minutes, 0, null, false, end);
  return null;
}

/** Several times sharing am/pm only partly ("at 9 and 5pm") are ambiguous. */
function mixedMeridiem(times: readonly ClockTime[]): boolean {
  return times.some((x) => x.mer) && times.some((x) => !x.mer && !x.fixed);
}

function readTimeList(t: Toks, i: number, bare: boolean, afterSep: (t: Toks, j: number) => number): ClockResult[] | null {
  const first = readClock(t, i, bare);
  if (!first) return null;
  const out: ClockResult[] = [first];
  let last = first;
  while (!('decline' in last)) {
    const sep = listSep(t, last.end);
    if (sep < 0) break;
    const next = readClock(t, afterSep(t, sep), bare);
    if (!next) break;
    out.push(next);
    last = next;
  }
  return out;
}

function timesClause(results: ClockResult[] | null, at = false): ReturnType<Clause> {
  if (!results) return null;
  const end = (results[results.length - 1] as { end: number }).end;
  const times: ClockTime[] = [];
  for (const r of results) {
    if (!r) return null;
    if ('decline' in r) return { end: r.end, facts: [], strong: true, decline: r.decline };
    times.push(r.time);
  }
  if (mixedMeridiem(times)) return refuse(end, 'ambiguous', 'some times have am/pm and others do not; give am/pm for each');
  // "at 9 and 5": a bare hour after a later one is most likely in the afternoon, but that is a guess.
  for (let k = 1; k < times.length; k++) {
    const [a, b] = [times[k - 1], times[k]];
    if (a && b && !b.fixed && !b.mer && b.h * 60 + b.m < a.h * 60 + a.m) return refuse(end, 'ambiguous', `${b.h} after ${a.h}: ${b.h}am or ${b.h}pm? give am/pm`);
  }
  return hit(end, [at ? { f: 'times', times, at } : { f: 'times', times }]);
}

/** "at 9am and 5pm", "at 10, 12 and 17", "at 2:10pm and at 2:44pm", "@ 9". */
export const atTimes: Clause = (t, i) => {
  if (!isWord(t, i, 'at') && !isPunct(t, i, '@')) return null;
  // "at exactly 9am": the adverb only insists on the time.
  return timesClause(readTimeList(t, opt(t, i + 1, 'exactly', 'precisely'), true, (tt, j) => opt(tt, j, 'at')), true);
};

/** Unmistakable times without "at": "5:15am", "friday 15:44", "noon", "9 pm and 5 pm", "11 tonight". */
export const plainTimes: Clause = (t, i) => {
  const tok = t[i];
  // A lone hour right before a part of the day: "11 tonight", "8 in the morning".
  if (tok?.kind === 'num' && tok.norm.length <= 2 && PERIOD_AFTER_HOUR.has(wordAt(t, i + 1)) && !meridiemAt(t, i + 1)) {
    const next = wordAt(t, i + 2);
    const periodFollows =
      wordAt(t, i + 1) === 'tonight' ||
      (wordAt(t, i + 1) === 'in' && next === 'the' && DAY_PARTS.has(wordAt(t, i + 3))) ||
      (wordAt(t, i + 1) === 'at' && next === 'night') ||
      ((wordAt(t, i + 1) === 'this' || wordAt(t, i + 1) === 'tomorrow') && DAY_PARTS.has(next));
    if (periodFollows) return timesClause([clock(tok.value, 0, 0, null, false, i + 1)]);
  }
  return timesClause(readTimeList(t, i, false, (_tt, j) => j));
};
