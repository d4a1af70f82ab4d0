// A segment is a run of schedule clauses joined by commas or "and" ("at 10:15am, every weekday").
// Every clause is tried at each position and the longest match wins, so "the last friday of
// every month" beats "last friday" (the past). Clauses are strong ("every", "at 9am", "on the
// 1st") or weak (a bare "sunday", "may", a zone): split.ts trusts weak ones next to an
// instruction only when a strong clause comes with them ("we sat down" is not a Saturday).
import { dateClause } from './dates.ts';
import { exceptClause, nthWeekdayClause, weekdayClause } from './days.ts';
import type { Fact } from './facts.ts';
import { everyClause, lyClause } from './frequency.ts';
import { type Clause, type ClauseMatch, isPunct, isWord, longest } from './match.ts';
import { minuteOfHour } from './minutes.ts';
import { periodClause } from './periods.ts';
import { domClause, domRangeClause } from './monthdays.ts';
import { monthClause, yearClause } from './months.ts';
import { fillerClause, noopClause, rejectClause } from './rejects.ts';
import { dayClause, offsetClause, pastOrVagueClause, weekdayRefClause } from './relative.ts';
import { atTimes, plainTimes } from './time.ts';
import type { Toks } from './tokenize.ts';
import { type Decline, decline } from './types.ts';
import { startClause, windowClause } from './windows.ts';
import { zoneClause } from './zones.ts';

const CLAUSES: readonly Clause[] = [
  everyClause, lyClause, atTimes, plainTimes, minuteOfHour, weekdayClause, exceptClause, nthWeekdayClause,
  domClause, domRangeClause, dateClause, monthClause, yearClause, windowClause, startClause, offsetClause,
  dayClause, weekdayRefClause, pastOrVagueClause, periodClause, zoneClause, noopClause, rejectClause,
];

const WITH_FILLER: readonly Clause[] = [...CLAUSES, fillerClause];

export interface Segment {
  start: number;
  end: number;
  facts: Fact[];
  strong: boolean;
  decline: Decline | null;
}

/** Clause matches per position, computed once per parse (the suffix search revisits positions). */
export class ClauseCache {
  readonly #t: Toks;
  readonly #plain: (ClauseMatch | null | undefined)[];
  readonly #filler: (ClauseMatch | null | undefined)[];

  constructor(t: Toks) {
    this.#t = t;
    this.#plain = new Array(t.length);
    this.#filler = new Array(t.length);
  }

  at(i: number, filler: boolean): ClauseMatch | null {
    const memo = filler ? this.#filler : this.#plain;
    let m = memo[i];
    if (m === undefined) {
      m = longest(this.#t, i, filler ? WITH_FILLER : CLAUSES);
      memo[i] = m;
    }
    return m;
  }
}

/** Glue between clauses: ",", ";", "and", ", and". Returns the position after it. */
function glue(t: Toks, i: number): { end: number; and: boolean } {
  let j = i;
  let and = false;
  while (isPunct(t, j, ',') || isPunct(t, j, ';') || isWord(t, j, 'and') || isWord(t, j, 'also')) {
    if (isWord(t, j, 'and')) and = true;
    j++;
  }
  return { end: j, and };
}

/** The longest run of clauses from `start`; filler ("Run", "Fire") may open it or follow "and". */
export function parseSegment(t: Toks, start: number, cache: ClauseCache): Segment {
  const seg: Segment = { start, end: start, facts: [], strong: false, decline: null };
  let j = start;
  let allowFiller = start === 0;
  let lastTimes = false;
  for (;;) {
    const g = j === start ? { end: j, and: false } : glue(t, j);
    const m = cache.at(g.end, allowFiller || g.and);
    if (!m || m.end <= g.end) break;
    // A refusing word ("about", "or", "for 2 weeks") belongs to the schedule only when the schedule
    // goes on after it or the text ends: "email bob at 5pm about the report" keeps its "about".
    if (m.decline && m.end < t.length && !cache.at(glue(t, m.end).end, false)) break;
    if (m.decline && !seg.decline) seg.decline = m.decline;
    // "12pm midnight": two times side by side, with no "and" or comma, are one time misread.
    const times = m.facts.some((f) => f.f === 'times');
    if (times && lastTimes && g.end === j && !seg.decline) seg.decline = decline('ambiguous', 'two times of day side by side; join them with "and" or give one');
    lastTimes = times;
    seg.facts.push(...m.facts);
    seg.strong ||= m.strong;
    j = m.end;
    seg.end = j;
    allowFiller = false;
  }
  return seg;
}
