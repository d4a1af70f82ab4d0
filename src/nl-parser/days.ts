// Days of the week: "on weekdays", "every monday, wednesday and friday", "mon-fri",
// "monday through friday", "tues,thur-sat", "every day except sunday", and weekdays of the
// month: "the first monday of the month", "the last friday of every month".
import type { Fact, NthWeekday } from './facts.ts';
import { DAY_GROUPS, WEEKDAYS } from './lexicon.ts';
import { type Clause, hit, isPunct, isWord, listSep, opt, readOrdinal, refuse, wordAt, words } from './match.ts';
import { readMonthSet } from './months.ts';
import type { Toks } from './tokenize.ts';

const RANGE_WORDS: ReadonlySet<string> = new Set(['through', 'thru', 'to', 'till', 'until']);

function rangeOf(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = from; ; d = (d + 1) % 7) {
    out.push(d);
    if (d === to) return out;
  }
}

const PLURAL_DAYS: ReadonlySet<string> = new Set(['sundays', 'mondays', 'tuesdays', 'wednesdays', 'thursdays', 'fridays', 'saturdays']);

/** Weekdays read; `clear`: the words themselves say "repeatedly" (a plural, a list, a range, a group). */
export interface DaySet {
  days: number[];
  end: number;
  clear: boolean;
}

/** One weekday, a range of them, or a group word ("weekends", "working days"). */
function readDayItem(t: Toks, i: number): DaySet | null {
  const w = wordAt(t, i);
  const group = DAY_GROUPS.get(w);
  if (group) return { days: [...group], end: opt(t, i + 1, 'days'), clear: true };
  if ((w === 'working' || w === 'business' || w === 'work' || w === 'week') && (isWord(t, i + 1, 'days') || isWord(t, i + 1, 'day'))) {
    return { days: [1, 2, 3, 4, 5], end: i + 2, clear: true };
  }
  const day = WEEKDAYS.get(w);
  if (day === undefined) return null;
  const sep = isPunct(t, i + 1, '-') || RANGE_WORDS.has(wordAt(t, i + 1)) ? i + 2 : -1;
  const to = sep > 0 ? WEEKDAYS.get(wordAt(t, sep)) : undefined;
  if (to !== undefined) return { days: rangeOf(day, to), end: sep + 1, clear: true };
  return { days: [day], end: i + 1, clear: PLURAL_DAYS.has(w) };
}

/** A list of weekday items, separated by commas, "and", or nothing ("mondays tuesdays"). */
export function readDaySet(t: Toks, i: number): DaySet | null {
  const first = readDayItem(t, i);
  if (!first) return null;
  const days = new Set(first.days);
  let end = first.end;
  let clear = first.clear;
  for (;;) {
    const sep = listSep(t, end);
    const next = readDayItem(t, sep < 0 ? end : sep);
    if (!next) break;
    for (const d of next.days) days.add(d);
    end = next.end;
    clear = true;
  }
  return { days: [...days].sort((a, b) => a - b), end, clear };
}

/** "on weekdays", "every monday", "each friday", "only mondays", or a bare day list (weak). */
export const weekdayClause: Clause = (t, i) => {
  const lead = wordAt(t, i);
  let j = i;
  if (lead === 'on' || lead === 'every' || lead === 'each' || lead === 'only') {
    j = i + 1;
    if (lead === 'only' || lead === 'every') j = opt(t, j, 'on');
    if (lead === 'on') j = opt(t, j, 'every', 'each');
  }
  const set = readDaySet(t, j);
  if (!set) return null;
  const end = words(t, set.end, 'of', 'the', 'week') > 0 ? set.end + 3 : set.end;
  // "At 04:05, only on Sunday" (cron-descriptor's wording): "only" narrows a repeat, it does not name one day.
  const repeat = lead === 'every' || lead === 'each' || lead === 'only';
  const facts: Fact[] = [{ f: 'weekdays', days: set.days, clear: set.clear || repeat, ...(lead === 'on' ? { on: true } : {}) }];
  if (repeat) facts.push({ f: 'recur' });
  return hit(end, facts, j > i);
};

/** "except sundays", "but not on mondays", "excluding weekends"; any other exception is refused. */
export const exceptClause: Clause = (t, i) => {
  let j = i;
  const w = wordAt(t, i);
  if (w === 'except' || w === 'excluding' || w === 'besides') j = opt(t, i + 1, 'for', 'on');
  else if (w === 'but') j = opt(t, opt(t, i + 1, 'not'), 'on');
  else if (w === 'not' && isWord(t, i + 1, 'on')) j = i + 2;
  else return null;
  const set = readDaySet(t, j);
  if (set) return hit(set.end, [{ f: 'except', days: set.days }]);
  // A plain "but" may just join an instruction ("… but skip the weekend" is refused there).
  if (w === 'but') return null;
  return refuse(j, 'contradictory', 'an exception other than whole weekdays cannot be part of one schedule');
};

/** "first", "2nd", "last"; refuses "2nd last" and "second to last" (croner has no such form). */
function readNth(t: Toks, i: number): { nth: number | 'L'; end: number } | 'refuse' | null {
  if (isWord(t, i, 'last')) return { nth: 'L', end: i + 1 };
  if (isWord(t, i, 'penultimate')) return 'refuse';
  const ord = readOrdinal(t, i);
  if (!ord) return null;
  if (isWord(t, ord.end, 'last') || words(t, ord.end, 'to', 'last') > 0) return 'refuse';
  if (ord.value < 1 || ord.value > 5) return null;
  return { nth: ord.value, end: ord.end };
}

/** The tail naming which month(s): "of the month", "of every month", "in march", "of march". */
export function monthTail(t: Toks, i: number): { end: number; months: number[] | null; every: boolean } | null {
  const w = wordAt(t, i);
  if (w !== 'of' && w !== 'in') return null;
  const j = opt(t, i + 1, 'the', 'every', 'each');
  // "of every december": the repeat word makes a date a yearly pattern.
  const every = isWord(t, i + 1, 'every') || isWord(t, i + 1, 'each');
  if (isWord(t, j, 'month')) return { end: j + 1, months: null, every };
  const months = readMonthSet(t, j);
  return months ? { end: months.end, months: months.months, every } : null;
}

/** Ordinals then one weekday: "2nd and 4th tuesday", "last friday", "first weekday" (dow -1). */
function readNthGroup(t: Toks, i: number): { nths: (number | 'L')[]; dow: number; end: number } | 'refuse' | null {
  const nths: (number | 'L')[] = [];
  let j = i;
  for (;;) {
    const n = readNth(t, j);
    if (n === 'refuse') return 'refuse';
    if (!n) break;
    nths.push(n.nth);
    const sep = listSep(t, n.end);
    j = sep > 0 && readNth(t, sep) ? sep : n.end;
    if (j === n.end) break;
  }
  if (nths.length === 0) return null;
  const dayWord = wordAt(t, j);
  // "first weekday", "first business day", "last working day" of the month.
  const workday = ['business', 'working', 'work'].includes(dayWord) && isWord(t, j + 1, 'day');
  const dow = dayWord === 'weekday' || dayWord === 'workday' || workday ? -1 : WEEKDAYS.get(dayWord);
  return dow === undefined ? null : { nths, dow, end: workday ? j + 2 : j + 1 };
}

const REFUSE_FROM_END = 'a weekday counted from the end other than the last one cannot be one cron';

/**
 * "the third friday of every month", "on the 2nd and 4th tuesday", "the first friday and third
 * wednesday", "the first weekday of the month".
 */
export const nthWeekdayClause: Clause = (t, i) => {
  let j = opt(t, i, 'on');
  const the = isWord(t, j, 'the');
  if (the) j++;
  const first = readNthGroup(t, j);
  if (first === 'refuse') return refuse(j + 2, 'unsupported', REFUSE_FROM_END);
  if (!first) return null;
  const items: NthWeekday[] = first.nths.map((nth) => ({ dow: first.dow, nth }));
  let end = first.end;
  for (;;) {
    const sep = listSep(t, end);
    const next = sep > 0 ? readNthGroup(t, opt(t, sep, 'the')) : null;
    if (next === 'refuse') return refuse(sep + 2, 'unsupported', REFUSE_FROM_END);
    if (!next || next.dow < 0 || first.dow < 0) break;
    items.push(...next.nths.map((nth) => ({ dow: next.dow, nth })));
    end = next.end;
  }
  const tail = monthTail(t, end);
  const facts: Fact[] = tail?.months ? [{ f: 'months', months: tail.months }] : [];
  if (tail?.months && tail.every) facts.push({ f: 'recur' });
  if (tail) end = tail.end;
  if (first.dow < 0) {
    const [only] = first.nths;
    if (first.nths.length === 1 && only === 'L') return hit(end, [...facts, { f: 'dom', dom: { kind: 'lastWeekday' } }]);
    if (first.nths.length === 1 && only === 1) return hit(end, [...facts, { f: 'dom', dom: { kind: 'firstWeekday' } }]);
    return refuse(end, 'unsupported', 'only the first and last weekday of a month can be one cron');
  }
  // "last friday" alone is the one just gone: it means the last of the month only after "on",
  // "every"/"each", or with a month tail ("of every month").
  const repeatWord = wordAt(t, i - 1) === 'every' || wordAt(t, i - 1) === 'each';
  if (!tail && items.some((x) => x.nth === 'L') && !isWord(t, i, 'on') && !repeatWord) return null;
  return hit(end, [...facts, { f: 'nth', items }]);
};
