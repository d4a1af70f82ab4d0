// One-offs relative to now: "in 20 minutes", "+1 day 2 hour", "5 minutes later", "15 minute from
// now", "set a timer for 1 hour, 5 minutes, 30 seconds", "tomorrow", "tonight", "this afternoon",
// "next friday", "Friday of next week" — and the phrases that point into the past or are vague.
import type { Duration, Fact } from './facts.ts';
import { LETTER_UNITS, PERIODS, UNITS, type Unit, VAGUE_AMOUNTS, WEEKDAYS } from './lexicon.ts';
import { type Clause, hit, isPunct, isWord, opt, readNumber, refuse, wordAt, words } from './match.ts';
import type { Toks } from './tokenize.ts';

const ELAPSED: Readonly<Partial<Record<Unit, number>>> = { second: 1, minute: 60, hour: 3600 };

function addAmount(dur: Duration, unit: Unit, amount: number): boolean {
  const elapsed = ELAPSED[unit];
  if (elapsed !== undefined) {
    dur.seconds += amount * elapsed;
    return true;
  }
  if (unit === 'quarter') return false;
  // Fractions of calendar units ("1.5 months") have no exact meaning; "1.5 days" is 36 hours.
  if (!Number.isInteger(amount)) {
    if (unit !== 'day' && unit !== 'week') return false;
    dur.seconds += amount * (unit === 'day' ? 86400 : 604800);
    return true;
  }
  if (unit === 'day') dur.days += amount;
  else if (unit === 'week') dur.weeks += amount;
  else if (unit === 'month') dur.months += amount;
  else dur.years += amount;
  return true;
}

/** The end of a vague amount at i ("a couple of days", "few hours", "several"), or -1. */
export function vagueAmountEnd(t: Toks, i: number): number {
  let j = opt(t, i, 'a');
  if (!VAGUE_AMOUNTS.has(wordAt(t, j))) return -1;
  j = opt(t, j + 1, 'of');
  return UNITS.has(wordAt(t, j)) ? j + 1 : j;
}

const FRACTION_DENOMINATORS: ReadonlySet<number> = new Set([2, 4]);

/** The end of "a quarter of an hour" / "quarter hour" at i, or -1. */
function quarterOfHour(t: Toks, i: number): number {
  const j = opt(t, i, 'a');
  if (!isWord(t, j, 'quarter')) return -1;
  const k = opt(t, opt(t, j + 1, 'of'), 'an', 'a');
  return isWord(t, k, 'hour') ? k + 1 : -1;
}

/** "5 minutes 30 seconds", "1 hour, 5 minutes", "a week", "2hour", "half an hour", "an hour and a half". */
export function readDuration(t: Toks, i: number): { dur: Duration; end: number } | 'vague' | null {
  const dur: Duration = { years: 0, months: 0, weeks: 0, days: 0, seconds: 0 };
  let j = i;
  let items = 0;
  for (;;) {
    let k = items > 0 && (isPunct(t, j, ',') || isWord(t, j, 'and')) ? (isPunct(t, j, ',') && isWord(t, j + 1, 'and') ? j + 2 : j + 1) : j;
    if (VAGUE_AMOUNTS.has(wordAt(t, opt(t, k, 'a')))) return 'vague';
    let amount: number;
    // "a quarter of an hour", "quarter hour": "quarter" is otherwise three months.
    const quarterHour = quarterOfHour(t, k);
    if (quarterHour > 0) {
      dur.seconds += 900;
      j = quarterHour;
      items++;
      continue;
    }
    const tok = t[k];
    if (isWord(t, k, 'half') || (isWord(t, k, 'a') && isWord(t, k + 1, 'half'))) {
      // "half an hour", "a half hour"
      amount = 0.5;
      k = opt(t, isWord(t, k, 'a') ? k + 2 : k + 1, 'a', 'an');
    } else if (tok?.kind === 'slashdate' && Number.isNaN(tok.parts[2]) && FRACTION_DENOMINATORS.has(tok.parts[1] ?? 0) && (tok.parts[0] ?? 0) < (tok.parts[1] ?? 0)) {
      // "1/2 hour", "3/4 hour": a fraction, not a date, when a unit follows.
      amount = (tok.parts[0] ?? 0) / (tok.parts[1] ?? 1);
      k = opt(t, k + 1, 'of', 'an', 'a');
      k = opt(t, k, 'an', 'a');
    } else {
      const n = readNumber(t, k, true);
      if (!n) break;
      amount = n.value;
      k = n.end;
      // "2 and a half hours"
      if (words(t, k, 'and', 'a', 'half') > 0) {
        amount += 0.5;
        k += 3;
      }
      // "in 2 more minutes"
      k = opt(t, k, 'more');
    }
    const unitWord = wordAt(t, k);
    // "a fortnight" is two weeks; as a repeat ("fortnightly") it is left to the LLM.
    if ((unitWord === 'fortnight' || unitWord === 'fortnights') && Number.isInteger(amount)) {
      dur.weeks += 2 * amount;
      j = k + 1;
      items++;
      continue;
    }
    const unit = UNITS.get(unitWord);
    if (!unit || (LETTER_UNITS.has(unitWord) && t[k - 1]?.kind !== 'num' && t[k - 1]?.kind !== 'slashdate')) break;
    k++;
    if (words(t, k, 'and', 'a', 'half') > 0) {
      amount += 0.5;
      k += 3;
    }
    if (amount <= 0 || !addAmount(dur, unit, amount)) return null;
    j = k;
    items++;
  }
  if (items === 0) return null;
  if (!Number.isInteger(dur.seconds)) return null;
  return { dur, end: j };
}

/** "in 20 minutes", "+15 minutes", "5 minutes later", "15 minute from now", "set a timer for 5 minutes". */
export const offsetClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  let j = -1;
  if (w === 'in') j = opt(t, i + 1, 'another');
  else if (w === 'after') {
    // "after 15 minutes" reads as "in 15 minutes" to a person but as "from minute 15 on" to cron
    // parsers (later.js); too unclear to guess.
    const d = readDuration(t, i + 1);
    return d && d !== 'vague' ? refuse(d.end, 'ambiguous', '"after" is unclear here; for a delay from now say e.g. "in 10 minutes"') : null;
  }
  else if (isPunct(t, i, '+')) j = i + 1;
  else if (w === 'within') {
    const d = readDuration(t, i + 1);
    return d ? refuse(d === 'vague' ? vagueAmountEnd(t, i + 1) : d.end, 'ambiguous', '"within" gives no exact time') : null;
  } else {
    const timer = words(t, opt(t, opt(t, i, 'set', 'start'), 'a', 'an'), 'timer', 'for');
    if (timer > 0) j = timer;
  }
  const start = j < 0 ? i : j;
  const d = readDuration(t, start);
  if (d === 'vague') return refuse(vagueAmountEnd(t, start), 'ambiguous', 'the amount of time is vague; give a number');
  if (!d) return null;
  let end = d.end;
  if (j < 0) {
    // Postfix forms: "5 minutes later", "15 minute from now", "2 days from today", "3 hours ago".
    if (isWord(t, end, 'ago')) return refuse(end + 1, 'past', 'that time is in the past');
    if (isWord(t, end, 'later') || isWord(t, end, 'hence')) end++;
    else if (isWord(t, end, 'from') && (isWord(t, end + 1, 'now') || isWord(t, end + 1, 'today'))) end += 2;
    else return null;
  } else if (isWord(t, end, "time") || isWord(t, end, "time's")) end++;
  return hit(end, [{ f: 'offset', dur: d.dur }]);
};

const DAY_WORDS: ReadonlyMap<string, number> = new Map([
  ['today', 0], ['tonight', 0], ['tomorrow', 1], ['tmrw', 1], ['tmr', 1], ['tomorow', 1], ['tommorow', 1], ['tommorrow', 1],
]);

/** "today", "tonight", "tomorrow morning", "the day after tomorrow", "this afternoon". */
export const dayClause: Clause = (t, i) => {
  const after = words(t, opt(t, i, 'the'), 'day', 'after', 'tomorrow');
  if (after > 0) return hit(after, [{ f: 'day', ref: { kind: 'days', days: 2 } }]);
  const w = wordAt(t, i);
  const days = DAY_WORDS.get(w);
  if (days !== undefined) {
    const facts: Fact[] = [{ f: 'day', ref: { kind: 'days', days } }];
    if (w === 'tonight') return hit(i + 1, [...facts, { f: 'period', period: 'night' }]);
    const period = PERIODS.get(wordAt(t, i + 1));
    if (period && !wordAt(t, i + 1).endsWith('s')) return hit(i + 2, [...facts, { f: 'period', period }]);
    return hit(i + 1, facts);
  }
  if (w === 'this') {
    const period = PERIODS.get(wordAt(t, i + 1));
    if (period && period !== 'night') return hit(i + 2, [{ f: 'day', ref: { kind: 'days', days: 0 } }, { f: 'period', period }]);
  }
  return null;
};

/** "next friday", "this friday", "this coming monday", "friday of next week", "next week on friday". */
export const weekdayRefClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  const nextWeek = (k: number) => (words(t, k, 'next', 'week') > 0 ? k + 2 : words(t, opt(t, k, 'of'), 'next', 'week') > 0 ? opt(t, k, 'of') + 2 : -1);
  const thisWeek = (k: number) => (words(t, opt(t, k, 'of'), 'this', 'week') > 0 ? opt(t, k, 'of') + 2 : -1);
  if (w === 'next' || w === 'this' || w === 'coming') {
    let j = i + 1;
    if (w === 'this' && isWord(t, j, 'coming')) j++;
    if (w === 'next' && words(t, j, 'week') > 0) {
      const k = opt(t, j + 1, 'on');
      const dow = WEEKDAYS.get(wordAt(t, k));
      return dow === undefined ? null : hit(k + 1, [{ f: 'day', ref: { kind: 'weekday', dow, which: 'next' } }]);
    }
    const dow = WEEKDAYS.get(wordAt(t, j));
    if (dow === undefined) return null;
    const which = w === 'next' ? 'next' : j > i + 1 || w === 'coming' ? 'coming' : 'this';
    return hit(j + 1, [{ f: 'day', ref: { kind: 'weekday', dow, which } }]);
  }
  // "on tuesday next week"
  const at = w === 'on' ? i + 1 : i;
  const dow = WEEKDAYS.get(wordAt(t, at));
  if (dow === undefined) return null;
  const next = nextWeek(at + 1);
  if (next > 0) return hit(next, [{ f: 'day', ref: { kind: 'weekday', dow, which: 'next' } }]);
  const cur = thisWeek(at + 1);
  if (cur > 0) return hit(cur, [{ f: 'day', ref: { kind: 'weekday', dow, which: 'thisWeek' } }]);
  return null;
};

const PAST_AFTER_LAST: ReadonlySet<string> = new Set(['night', 'week', 'weekend', 'month', 'year', 'time', 'evening', 'morning', 'afternoon']);
const VAGUE_WHEN: ReadonlySet<string> = new Set(['week', 'weekend', 'month', 'year']);

/** Phrases in the past ("yesterday", "last weekend", "last friday") or too vague ("next week", "sometime"). */
export const pastOrVagueClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  if (w === 'yesterday' || words(t, opt(t, i, 'the'), 'day', 'before', 'yesterday') > 0) {
    const j = w === 'yesterday' ? i + 1 : opt(t, i, 'the') + 3;
    return refuse(PERIODS.has(wordAt(t, j)) ? j + 1 : j, 'past', 'that time is in the past');
  }
  if (w === 'last' && (PAST_AFTER_LAST.has(wordAt(t, i + 1)) || WEEKDAYS.has(wordAt(t, i + 1)))) {
    return refuse(i + 2, 'past', 'that time is in the past');
  }
  if (w === 'earlier' && isWord(t, i + 1, 'today')) return refuse(i + 2, 'past', 'that time is in the past');
  if ((w === 'next' || w === 'this') && VAGUE_WHEN.has(wordAt(t, i + 1))) {
    return refuse(i + 2, 'ambiguous', `"${w} ${wordAt(t, i + 1)}" needs a day and a time`);
  }
  if (w === 'sometime' || w === 'someday' || (w === 'some' && (isWord(t, i + 1, 'time') || isWord(t, i + 1, 'day')))) {
    return refuse(i + 1, 'ambiguous', '"sometime" gives no exact time');
  }
  if (w === 'now' || w === 'immediately' || w === 'asap' || words(t, i, 'right', 'now') > 0 || words(t, i, 'right', 'away') > 0) {
    return refuse(i + 1, 'unsupported', 'that is not a schedule: run the task now instead');
  }
  return null;
};
