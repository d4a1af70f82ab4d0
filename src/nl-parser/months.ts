// Months and years: "in march and june", "during January and July", "in the month of March",
// "on jan feb mar", "jan-mar"; a year ("during 2013") bounds a schedule, which one cron cannot.
import type { Fact } from './facts.ts';
import { DAY_GROUPS, MONTHS, WEEKDAYS } from './lexicon.ts';
import { type Clause, hit, isPunct, listSep, opt, refuse, wordAt, words } from './match.ts';
import type { Toks } from './tokenize.ts';

const RANGE_WORDS: ReadonlySet<string> = new Set(['through', 'thru', 'to', 'till', 'until']);

function readMonthItem(t: Toks, i: number): { months: number[]; end: number } | null {
  const from = MONTHS.get(wordAt(t, i));
  if (from === undefined) return null;
  const sep = isPunct(t, i + 1, '-') || RANGE_WORDS.has(wordAt(t, i + 1)) ? i + 2 : -1;
  const to = sep > 0 ? MONTHS.get(wordAt(t, sep)) : undefined;
  if (to === undefined) return { months: [from], end: i + 1 };
  const months: number[] = [];
  for (let m = from; ; m = (m % 12) + 1) {
    months.push(m);
    if (m === to) break;
  }
  return { months, end: sep + 1 };
}

/** "january and july", "jan feb mar", "march-may". */
export function readMonthSet(t: Toks, i: number): { months: number[]; end: number } | null {
  const first = readMonthItem(t, i);
  if (!first) return null;
  const months = new Set(first.months);
  let end = first.end;
  for (;;) {
    const sep = listSep(t, end);
    const next = readMonthItem(t, sep < 0 ? end : sep);
    if (!next) break;
    for (const m of next.months) months.add(m);
    end = next.end;
  }
  return { months: [...months].sort((a, b) => a - b), end };
}

/** A four-digit year. */
export function readYear(t: Toks, i: number): number | null {
  const tok = t[i];
  if (tok?.kind !== 'num' || tok.norm.length !== 4 || tok.value < 1900 || tok.value > 2199) return null;
  return tok.value;
}

const MONTH_LEADS: ReadonlySet<string> = new Set(['in', 'during', 'of', 'throughout', 'on', 'every', 'each', 'only', 'from', 'between']);

/** "between march and june": both ends and the months between. */
function betweenMonths(t: Toks, i: number): { months: number[]; end: number } | null {
  const from = MONTHS.get(wordAt(t, i));
  const to = MONTHS.get(wordAt(t, i + 2));
  if (from === undefined || to === undefined || wordAt(t, i + 1) !== 'and') return null;
  const months: number[] = [];
  for (let m = from; ; m = (m % 12) + 1) {
    months.push(m);
    if (m === to) break;
  }
  return { months, end: i + 3 };
}

/** "in march", "during the months of january and july", "every march", or bare "jan feb mar" (weak). */
export const monthClause: Clause = (t, i) => {
  const lead = wordAt(t, i);
  let j = i;
  if (MONTH_LEADS.has(lead)) {
    j = i + 1;
    if (lead === 'only') j = opt(t, j, 'in', 'during');
    const monthOf = words(t, j, 'the', 'month', 'of') > 0 ? j + 3 : words(t, j, 'the', 'months', 'of') > 0 ? j + 3 : -1;
    if (monthOf > 0) j = monthOf;
  }
  const set = lead === 'between' ? betweenMonths(t, j) : readMonthSet(t, j);
  if (!set) return null;
  // "call jan at 3pm", "meet may on friday": one bare month word is as often a name; only a lead
  // ("in may", "every march"), a list, a range or the timetable order "august friday 15:44" makes
  // it a set of months.
  if (j === i && set.end === i + 1 && !WEEKDAYS.has(wordAt(t, i + 1)) && !DAY_GROUPS.has(wordAt(t, i + 1))) return null;
  // "from january to march" must be a range, not a list that stops early.
  if (lead === 'from' && set.end === j + 1) return null;
  if (readYear(t, set.end) !== null || (isPunct(t, set.end, ',') && readYear(t, set.end + 1) !== null)) {
    return refuse(set.end + 1, 'unsupported', 'a schedule limited to one year cannot be one cron');
  }
  const facts: Fact[] = [{ f: 'months', months: set.months }];
  if (lead === 'every' || lead === 'each') facts.push({ f: 'recur' });
  return hit(set.end, facts, j > i);
};

/** "during 2013", "in 2027": limits a schedule to a year (refused once the draft knows "now"). */
export const yearClause: Clause = (t, i) => {
  const lead = wordAt(t, i);
  if (!['in', 'during', 'throughout', 'for', 'of', 'until', 'till', 'through'].includes(lead)) return null;
  let j = opt(t, i + 1, 'the');
  j = opt(t, j, 'year', 'years');
  const year = readYear(t, j);
  if (year === null) return null;
  // "the years 2002, 2003 and 2005": the earliest decides whether it is all past.
  let end = j + 1;
  let earliest = year;
  const yearSep = (k: number) => (isPunct(t, k, '-') || wordAt(t, k) === 'to' || wordAt(t, k) === 'through' ? k + 1 : listSep(t, k));
  for (let sep = yearSep(end); sep > 0 && readYear(t, sep) !== null; sep = yearSep(end)) {
    earliest = Math.min(earliest, readYear(t, sep) ?? earliest);
    end = sep + 1;
  }
  if (lead === 'until' || lead === 'till' || lead === 'through') return refuse(end, 'unsupported', 'an end date cannot be part of one cron');
  return hit(end, [{ f: 'year', year: earliest }]);
};
