// Days of the month: "on the 1st", "on the 15th day of every month", "1st and 15th",
// "the last day of the month", "on days 1 and 15", "from 5 through 15 of december".
// "the 11th day of November" names a yearly pattern; "the 5th of July" names a date, which is a
// one-off unless "every" says otherwise (build.ts).
import { isRealDate } from './dates.ts';
import { monthTail } from './days.ts';
import type { Fact } from './facts.ts';
import { MONTHS } from './lexicon.ts';
import { type Clause, hit, isPunct, isWord, listSep, opt, readNumber, readOrdinal, refuse, wordAt } from './match.ts';
import { readYear } from './months.ts';
import type { Toks } from './tokenize.ts';

const RANGE_WORDS: ReadonlySet<string> = new Set(['through', 'thru', 'to', 'till', 'until']);

/** "1st and 15th", "first, fifteenth". */
export function readOrdinalList(t: Toks, i: number): { days: number[]; end: number } | null {
  const first = readOrdinal(t, i);
  if (!first) return null;
  const days = [first.value];
  let end = first.end;
  for (;;) {
    const sep = listSep(t, end);
    if (sep < 0) break;
    const next = readOrdinal(t, opt(t, opt(t, sep, 'on'), 'the'));
    if (!next) break;
    days.push(next.value);
    end = next.end;
  }
  return { days, end };
}

function badDay(days: readonly number[]): number | undefined {
  return days.find((d) => !Number.isInteger(d) || d < 1 || d > 31);
}

/** Days of the month and the month tail that may follow, as facts. */
function domFacts(t: Toks, days: number[], end: number, dayWord: boolean): { facts: Fact[]; end: number } | 'bad' {
  if (badDay(days) !== undefined) return 'bad';
  const tail = monthTail(t, end);
  if (!tail) return { facts: [{ f: 'dom', dom: { kind: 'days', days, ...(days.length === 1 && !dayWord ? { lone: true } : {}) } }], end };
  if (!tail.months) return { facts: [{ f: 'dom', dom: { kind: 'days', days } }, { f: 'monthAnchor' }], end: tail.end };
  // "the 5th of July [2027]" names a date; "the 11th day of November" and lists name a yearly pattern.
  const [day] = days;
  const [month] = tail.months;
  if (!dayWord && !tail.every && days.length === 1 && tail.months.length === 1 && day !== undefined && month !== undefined) {
    const yearAt = isPunct(t, tail.end, ',') ? tail.end + 1 : tail.end;
    const year = readYear(t, yearAt);
    if (!isRealDate(year, month, day)) return 'bad';
    return { facts: [{ f: 'date', month, day, year }], end: year === null ? tail.end : yearAt + 1 };
  }
  const facts: Fact[] = [{ f: 'dom', dom: { kind: 'days', days } }, { f: 'months', months: tail.months }];
  if (tail.every) facts.push({ f: 'recur' });
  return { facts, end: tail.end };
}

/** "on the 15th", "the 1st and 15th of the month", "on the 11th day of November", "on days 1 and 15". */
export const domClause: Clause = (t, i) => {
  const on = isWord(t, i, 'on');
  let j = on ? i + 1 : i;
  const the = isWord(t, j, 'the');
  if (the) j++;
  // "the last day of the month"
  if (isWord(t, j, 'last') && isWord(t, j + 1, 'day')) {
    const tail = monthTail(t, j + 2);
    const facts: Fact[] = [{ f: 'dom', dom: { kind: 'last' } }];
    if (tail?.months) facts.push({ f: 'months', months: tail.months });
    if (tail?.months && tail.every) facts.push({ f: 'recur' });
    return hit(tail ? tail.end : j + 2, facts);
  }
  // "day 15", "days 1 and 15"
  if ((isWord(t, j, 'day') || isWord(t, j, 'days')) && t[j + 1]?.kind === 'num') {
    const days: number[] = [];
    let k = j + 1;
    for (;;) {
      const n = readNumber(t, k);
      if (!n) break;
      days.push(n.value);
      const sep = listSep(t, n.end);
      k = n.end;
      if (sep < 0 || !readNumber(t, sep)) break;
      k = sep;
    }
    const r = domFacts(t, days, k, true);
    if (r === 'bad') return refuse(k, 'impossible', 'no such day in that month');
    return hit(r.end, r.facts);
  }
  const list = readOrdinalList(t, j);
  if (!list) return null;
  const dayWord = isWord(t, list.end, 'day') || isWord(t, list.end, 'days');
  // "the first monday" and "the 4th minute" are other rules.
  if (!dayWord && wordAt(t, list.end) !== 'of' && !on && !the) return hit(list.end, [{ f: 'dom', dom: { kind: 'days', days: list.days, ...(list.days.length === 1 ? { lone: true } : {}) } }], false);
  const r = domFacts(t, list.days, dayWord ? list.end + 1 : list.end, dayWord);
  if (r === 'bad') return refuse(list.end, 'impossible', `there is no day ${list.days.join(' or ')} in that month`);
  return hit(r.end, r.facts, on || the || dayWord);
};

/** "from 5 through 15 of december", "from the 5th to the 15th", "between the 1st and the 7th of the month". */
export const domRangeClause: Clause = (t, i) => {
  const lead = wordAt(t, i);
  if (lead !== 'from' && lead !== 'between') return null;
  const bound = (k: number) => {
    const j = opt(t, k, 'the');
    const ord = readOrdinal(t, j);
    if (ord) return { value: ord.value, end: ord.end, ordinal: true };
    const n = readNumber(t, j);
    return n?.digits ? { value: n.value, end: n.end, ordinal: false } : null;
  };
  const from = bound(i + 1);
  if (!from) return null;
  const sepOk = lead === 'between' ? isWord(t, from.end, 'and') : RANGE_WORDS.has(wordAt(t, from.end)) || isPunct(t, from.end, '-');
  if (!sepOk) return null;
  const to = bound(from.end + 1);
  if (!to) return null;
  const end = opt(t, to.end, 'day', 'days');
  const tail = monthTail(t, end);
  // Bare numbers ("from 5 to 15") could be hours; a month tail, or a month just before
  // ("in march from 15 through 25"), makes them days.
  if (!tail && !(from.ordinal && to.ordinal) && !MONTHS.has(wordAt(t, i - 1))) return null;
  if (badDay([from.value, to.value]) !== undefined || from.value >= to.value) {
    return refuse(tail ? tail.end : end, 'impossible', 'that is not a range of days of the month');
  }
  const facts: Fact[] = [{ f: 'dom', dom: { kind: 'range', from: from.value, to: to.value } }];
  if (tail?.months) facts.push({ f: 'months', months: tail.months });
  return hit(tail ? tail.end : end, facts);
};
