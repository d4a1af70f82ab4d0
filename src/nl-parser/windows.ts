// Hours a repeat is limited to, and where a repeat starts: "between 9am and 5pm",
// "from 9 to 17", "starting at 2pm and ending at 2:59pm", "9am-5pm", "between the 5th and 10th
// hour", "starting on the 4th minute", "starting on the first day of the month", "starting at 1am".
import type { ClockTime, Fact } from './facts.ts';
import { type Clause, hit, isPunct, isWord, opt, readNumber, readOrdinal, refuse, wordAt, words } from './match.ts';
import { type ClockResult, readClock } from './time.ts';
import type { Toks } from './tokenize.ts';

const TO_WORDS: ReadonlySet<string> = new Set(['to', 'until', 'till', 'til', 'through', 'thru']);

type Bound = { end: number; time: ClockTime };

function asBound(r: ClockResult): Bound | 'refuse' | null {
  if (!r) return null;
  return 'decline' in r ? 'refuse' : r;
}

/** "the 5th hour" (later's wording): a 24-hour hour as an ordinal. */
function ordinalHour(t: Toks, i: number, needHour: boolean): Bound | null {
  const ord = readOrdinal(t, opt(t, i, 'the'));
  if (!ord || ord.value > 23) return null;
  const hasHour = isWord(t, ord.end, 'hour');
  if (needHour && !hasHour) return null;
  return { end: hasHour ? ord.end + 1 : ord.end, time: { h: ord.value, m: 0, s: 0, mer: null, fixed: true } };
}

/**
 * Office hours: "9 to 5", "between 8 and 6" end in the afternoon. A bare end hour before a bare
 * morning start (6–11) is read on the afternoon clock; anything else stays as written.
 */
function officeEnd(from: ClockTime, to: ClockTime): ClockTime {
  const bare = (x: ClockTime) => !x.fixed && !x.mer;
  if (!bare(to) || to.h < 1 || to.h > 8 || from.mer === 'pm' || from.h < 6 || from.h > 11) return to;
  if (!bare(from) && from.mer !== 'am') return to;
  if (to.h * 60 + to.m > from.h * 60 + from.m) return to;
  return { ...to, h: to.h + 12, fixed: true };
}

function windowHit(from: Bound, rawTo: Bound): ReturnType<Clause> {
  const to = { end: rawTo.end, time: officeEnd(from.time, rawTo.time) };
  // "from 10 to 3am": the end reads before the start; a guess either way.
  const fromMin = from.time.h * 60 + from.time.m;
  const toMin = to.time.h * 60 + to.time.m;
  if (toMin <= fromMin && !to.time.fixed && !from.time.mer) {
    return refuse(to.end, 'ambiguous', 'the end of the time range is unclear; give am/pm or a 24-hour time');
  }
  if (toMin === fromMin) return refuse(to.end, 'impossible', 'the time range is empty');
  // "between 2 and 4": night or afternoon? Bare early hours are not guessed.
  if (!from.time.fixed && !from.time.mer && from.time.h >= 1 && from.time.h <= 5 && !to.time.mer) {
    return refuse(to.end, 'ambiguous', `from ${from.time.h} to ${to.time.h}: morning or afternoon? give am/pm or 24-hour times`);
  }
  return hit(to.end, [{ f: 'window', from: from.time, to: to.time }]);
}

function range(t: Toks, i: number, bare: boolean, sep: (t: Toks, j: number) => number): ReturnType<Clause> {
  // "between the 5th and 10th hour": the hour word after the end covers both ordinals.
  const from = asBound(readClock(t, i, bare)) ?? ordinalHour(t, i, false);
  if (!from) return null;
  if (from === 'refuse') return refuse(i + 1, 'impossible', 'the start of the time range is not a time of day');
  const j = sep(t, from.end);
  if (j < 0) return null;
  const to = asBound(readClock(t, j, bare)) ?? ordinalHour(t, j, true);
  if (!to) return null;
  if (to === 'refuse') return refuse(j + 1, 'impossible', 'the end of the time range is not a time of day');
  return windowHit(from, to);
}

/** "9 to 5", "8-6": two bare hours that only read as a range on the office convention. */
function officeRange(t: Toks, i: number): ReturnType<Clause> {
  const a = t[i];
  if (a?.kind !== 'num' || a.norm.length > 2 || a.value < 6 || a.value > 11 || (i > 0 && t[i - 1]?.kind === 'num')) return null;
  const j = toSep(t, i + 1);
  const b = t[j];
  if (j < 0 || b?.kind !== 'num' || b.norm.length > 2 || b.value < 1 || b.value > 8) return null;
  // "9 to 5 minutes", "9-5 times": not hours.
  if (t[j + 1]?.kind === 'num' || t[j + 1]?.kind === 'time' || (t[j + 1]?.kind === 'word' && !isBoundaryWord(wordAt(t, j + 1)))) return null;
  const h = (v: number): ClockTime => ({ h: v, m: 0, s: 0, mer: null, fixed: false });
  return windowHit({ end: i + 1, time: h(a.value) }, { end: j + 1, time: h(b.value) });
}

/** Words that may follow an office range and leave it a range: schedule words and joins. */
const BOUNDARY_WORDS: ReadonlySet<string> = new Set(['on', 'every', 'each', 'and', 'daily', 'weekdays', 'monday', 'mondays', 'except', 'from', 'in', 'during', 'only', 'weekly', 'workdays']);
const isBoundaryWord = (w: string) => BOUNDARY_WORDS.has(w);

const toSep = (t: Toks, j: number) => (TO_WORDS.has(wordAt(t, j)) || isPunct(t, j, '-') ? j + 1 : -1);

/** "between 9am and 5pm", "from 9 to 17", "starting at 2pm and ending at 2:55pm", "9am-5pm", "after 9am and before 5pm". */
export const windowClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  if (w === 'between') return range(t, i + 1, true, (tt, j) => (isWord(tt, j, 'and') ? opt(tt, j + 1, 'the') : toSep(tt, j)));
  if (w === 'from') return range(t, i + 1, true, toSep);
  if (w === 'after') return range(t, i + 1, true, (tt, j) => (words(tt, j, 'and', 'before') > 0 ? j + 2 : isWord(tt, j, 'before') ? j + 1 : -1));
  if (w === 'starting' || w === 'beginning' || w === 'start') {
    const at = opt(t, i + 1, 'at', 'from');
    return range(t, at, true, (tt, j) => {
      let k = isPunct(tt, j, ',') ? j + 1 : j;
      k = opt(tt, k, 'and');
      if (!isWord(tt, k, 'ending') && !isWord(tt, k, 'end') && !isWord(tt, k, 'finishing') && !isWord(tt, k, 'stopping')) return -1;
      return opt(tt, k + 1, 'at');
    });
  }
  // "9am-5pm", "9am to 5pm": both ends must be unmistakable times, or office hours ("9 to 5").
  return range(t, i, false, toSep) ?? officeRange(t, i);
};

/** What a repeat starts on: a minute, a second, a day of the month, or a time of day. */
export const startClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  // "every 8 hours from 6am": "from" and a time of day with no end is where the repeat starts.
  if (w === 'from') {
    const time = readClock(t, i + 1, false);
    if (!time || !('time' in time) || TO_WORDS.has(wordAt(t, time.end)) || isPunct(t, time.end, '-')) return null;
    return hit(time.end, [{ f: 'startAt', time: time.time }]);
  }
  if (w !== 'starting' && w !== 'beginning' && w !== 'commencing' && w !== 'start') return null;
  const j = opt(t, opt(t, i + 1, 'on', 'at', 'from', 'with', 'in'), 'the');
  if (['now', 'today', 'immediately'].includes(wordAt(t, j))) return hit(j + 1, []);
  // ":05", "minute 5"
  if (isPunct(t, j, ':') && t[j + 1]?.kind === 'num') return phase(t, j + 2, 'minute', t[j + 1]?.value ?? 0);
  if (isWord(t, j, 'minute') && t[j + 1]?.kind === 'num') return phase(t, j + 2, 'minute', t[j + 1]?.value ?? 0);
  const ord = readOrdinal(t, j);
  if (ord) {
    const unit = wordAt(t, ord.end);
    if (unit === 'minute') return phase(t, ord.end + 1, 'minute', ord.value);
    if (unit === 'second') return phase(t, ord.end + 1, 'second', ord.value);
    const dayEnd = unit === 'day' ? ord.end + 1 : ord.end;
    const tail = words(t, dayEnd, 'of', 'the', 'month') > 0 ? dayEnd + 3 : words(t, dayEnd, 'of', 'every', 'month') > 0 ? dayEnd + 3 : -1;
    if (tail > 0 || unit === 'day') {
      if (ord.value < 1 || ord.value > 31) return refuse(dayEnd, 'impossible', 'a month has days 1 to 31');
      const facts: Fact[] = [{ f: 'phase', unit: 'day', value: ord.value }, { f: 'monthAnchor' }];
      return hit(tail > 0 ? tail : dayEnd, facts);
    }
  }
  const time = readClock(t, j, true);
  if (time && 'time' in time && !isWord(t, time.end, 'and') && !isPunct(t, time.end, ',')) return hit(time.end, [{ f: 'startAt', time: time.time }]);
  if (time && 'decline' in time) return { end: time.end, facts: [], strong: true, decline: time.decline };
  const n = readNumber(t, j);
  if (n && isWord(t, n.end, 'minutes') && words(t, n.end + 1, 'past', 'the', 'hour') > 0) return phase(t, n.end + 4, 'minute', n.value);
  return refuse(i + 1, 'unsupported', 'a start date cannot be part of one cron; create the task when it should start');
};

function phase(t: Toks, end: number, unit: 'minute' | 'second', value: number): ReturnType<Clause> {
  if (!Number.isInteger(value) || value < 0 || value > 59) return refuse(end, 'impossible', `there is no ${unit} ${value} in the ${unit === 'minute' ? 'hour' : 'minute'}`);
  const tail = words(t, end, 'of', 'the', 'hour') > 0 || words(t, end, 'past', 'the', 'hour') > 0 ? end + 3 : end;
  return hit(tail, [{ f: 'phase', unit, value }]);
}
