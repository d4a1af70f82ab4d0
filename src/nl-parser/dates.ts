// Calendar dates: "2026-12-24", "05/31/2024", "dec 24", "December 24th, 2026", "24 dec",
// "12th August", "Jul 9". Without "every" a date is a one-off (the next such day); with it, a
// yearly schedule. A slash date whose order is unclear (03/04) carries both readings; the
// builder picks month-first only where that is the local habit (see pickDate).
import type { Fact } from './facts.ts';
import { MERIDIEMS, MONTH_DAYS, MONTHS, UNITS } from './lexicon.ts';
import { type Clause, type ClauseMatch, hit, isPunct, isWord, opt, readNumber, readOrdinal, refuse, wordAt } from './match.ts';
import { readYear } from './months.ts';
import type { Toks } from './tokenize.ts';

export function isRealDate(year: number | null, month: number, day: number): boolean {
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(day) || day < 1) return false;
  if (day > (MONTH_DAYS[month] ?? 0)) return false;
  if (month === 2 && day === 29 && year !== null) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return true;
}

const MONTH_NAMES = ['', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function dateHit(end: number, month: number, day: number, year: number | null, alt?: { month: number; day: number }): ClauseMatch {
  if (!isRealDate(year, month, day)) return refuse(end, 'impossible', `${MONTH_NAMES[month] ?? 'that month'} ${day}${year ? `, ${year}` : ''} does not exist`);
  const fact: Fact = alt ? { f: 'date', month, day, year, alt } : { f: 'date', month, day, year };
  return hit(end, [fact]);
}

/** A day number that really is a day: not "may 5 minutes", not "jan 9am". */
function readDayNumber(t: Toks, i: number): { value: number; end: number } | null {
  const ord = readOrdinal(t, i);
  const n = ord ?? readNumber(t, i);
  if (!n || !Number.isInteger(n.value) || n.value < 1 || n.value > 31) return null;
  if (!ord && t[i]?.kind !== 'num') return null;
  const next = wordAt(t, n.end);
  if (MERIDIEMS.has(next) || UNITS.has(next) || next === "o'clock") return null;
  return { value: n.value, end: n.end };
}

function readYearAfter(t: Toks, i: number): { year: number | null; end: number } {
  const at = isPunct(t, i, ',') ? i + 1 : i;
  const year = readYear(t, at);
  return year === null ? { year: null, end: i } : { year, end: at + 1 };
}

export const dateClause: Clause = (t, i) => {
  const j = opt(t, i, 'on', 'at');
  const tok = t[j];
  if (!tok) return null;
  if (tok.kind === 'instant') return Number.isFinite(tok.value) ? hit(j + 1, [{ f: 'instant', at: tok.value }]) : refuse(j + 1, 'impossible', `${tok.norm} is not a real instant`);
  if (tok.kind === 'isodate') {
    const [y = 0, m = 0, d = 0] = tok.parts;
    return dateHit(j + 1, m, d, y);
  }
  if (tok.kind === 'slashdate') {
    const [a = 0, b = 0, y = Number.NaN] = tok.parts;
    const year = Number.isNaN(y) ? null : y;
    if (a > 12 && b <= 12) return dateHit(j + 1, b, a, year);
    if (a === b || b > 12) return dateHit(j + 1, a, b, year);
    // 03/04: March 4 in the US, 3 April elsewhere.
    if (!isRealDate(year, b, a)) return dateHit(j + 1, a, b, year);
    return dateHit(j + 1, a, b, year, { month: b, day: a });
  }
  // "dec 24", "December 24th, 2026"
  const month = MONTHS.get(tok.norm);
  if (month !== undefined && tok.kind === 'word') {
    // "february the 15th": the article only before an ordinal.
    const the = isWord(t, j + 1, 'the') && t[j + 2]?.kind !== 'num' ? j + 2 : j + 1;
    const day = readDayNumber(t, the);
    if (!day) return null;
    const y = readYearAfter(t, day.end);
    return dateHit(y.end, month, day.value, y.year);
  }
  // "24 dec", "12th August", "24th of december"
  const day = readDayNumber(t, opt(t, j, 'the'));
  if (!day) return null;
  const monthAt = opt(t, day.end, 'of');
  const named = MONTHS.get(wordAt(t, monthAt));
  if (named === undefined) return null;
  const y = readYearAfter(t, monthAt + 1);
  return dateHit(y.end, named, day.value, y.year);
};
