// How often: "every 15 minutes", "each hour", "every other hour", "once every 2 months",
// "once a day", "every quarter", "every half hour", "hourly", "daily", "annually",
// "every november 11th", "every 1st day of the month", "every morning". "every other day" and
// "every other week" are refused: no cron repeats on alternate days across month ends.
import { ordinal } from '../scheduler/describe.ts';
import { dateClause } from './dates.ts';
import { nthWeekdayClause } from './days.ts';
import type { Fact } from './facts.ts';
import { LETTER_UNITS, PERIODS, UNIT_SECONDS, UNITS, type Unit, WEEKDAYS } from './lexicon.ts';
import { type Clause, type ClauseMatch, hit, isPunct, isWord, longest, opt, readNumber, readOrdinal, refuse, wordAt, words } from './match.ts';
import { domClause } from './monthdays.ts';
import { readDuration, vagueAmountEnd } from './relative.ts';
import type { Toks } from './tokenize.ts';

const every = (n: number, unit: Unit, aligned = false): Fact => ({ f: 'every', n, unit, aligned });

/** A repeat of n units; fractional sub-day amounts ("every 1.5 hours") become whole seconds. */
function everyOf(end: number, n: number, unit: Unit): ClauseMatch {
  if (n === 0) return refuse(end, 'impossible', `every 0 ${unit}s never repeats`);
  if (n < 0) return refuse(end, 'impossible', 'a repeat needs a positive amount');
  if (Number.isInteger(n)) return hit(end, [every(n, unit)]);
  const seconds = n * UNIT_SECONDS[unit];
  if (unit === 'day' || unit === 'week' || !Number.isInteger(seconds)) {
    return refuse(end, 'unsupported', `every ${n} ${unit}s is not a whole number of ${unit === 'day' || unit === 'week' ? 'days' : 'seconds'}`);
  }
  return hit(end, [every(seconds, 'second')]);
}

/** "every other X" / "every second X": exact only for units of fixed length that a cron or interval can carry. */
function everyOther(t: Toks, i: number, word: string): ClauseMatch | null {
  const w = wordAt(t, i);
  const unit = UNITS.get(w);
  if (unit && !LETTER_UNITS.has(w)) {
    if (unit === 'day') return refuse(i + 1, 'unsupported', `"every ${word} day" cannot be one cron (months have odd lengths); say "every 2 days" for a fixed 48-hour interval`);
    if (unit === 'week') return refuse(i + 1, 'unsupported', `"every ${word} week" cannot be one cron; say "every 14 days" for a fixed interval`);
    if (unit === 'year') return refuse(i + 1, 'unsupported', `"every ${word} year" cannot be one cron`);
    return everyOf(i + 1, 2, unit);
  }
  if (WEEKDAYS.has(w) || w === 'weekday' || w === 'weekend') {
    return refuse(i + 1, word === 'other' ? 'unsupported' : 'ambiguous', `"every ${word} ${w}" cannot be one cron`);
  }
  return null;
}

/** The end of "of the month" / "of every month" at i, or -1. */
function monthOf(t: Toks, i: number): number {
  const j = words(t, i, 'of');
  if (j < 0) return -1;
  const k = opt(t, j, 'the', 'every', 'each');
  return isWord(t, k, 'month') ? k + 1 : -1;
}

const VAGUE_EVERY = 'the repeat is vague; give a number, e.g. "every 2 days"';

/** "every …" and "each …" (optionally after "once"), and "once a day" / "once per hour". */
export const everyClause: Clause = (t, i) => {
  // "on every 2 hours" (friendly-node-cron style) is "every 2 hours".
  const start = isWord(t, i, 'on') && (isWord(t, i + 1, 'every') || isWord(t, i + 1, 'each')) ? i + 1 : i;
  let j = start;
  const once = isWord(t, start, 'once');
  if (once) j++;
  const lead = wordAt(t, j);
  if (once && (lead === 'a' || lead === 'an' || lead === 'per')) {
    const unit = UNITS.get(wordAt(t, j + 1));
    return unit && !LETTER_UNITS.has(wordAt(t, j + 1)) ? everyOf(j + 2, 1, unit) : null;
  }
  // "everyday at 9" is the common spelling of "every day".
  if (lead === 'everyday') return hit(j + 1, [every(1, 'day')]);
  if (lead !== 'every' && lead !== 'each') return null;
  const k = j + 1;
  const w = wordAt(t, k);
  if (w === 'other') return everyOther(t, k + 1, 'other') ?? refuse(k + 1, 'not_understood', '"every other" what?');
  if (w === 'fortnight') return refuse(k + 1, 'unsupported', '"every fortnight" (every two weeks) cannot be one cron; say "every 14 days" for a fixed interval');
  // "every second day" is "every other day"; "every second tuesday" is judged with the ordinals below.
  if (w === 'second' && UNITS.has(wordAt(t, k + 1)) && !LETTER_UNITS.has(wordAt(t, k + 1))) {
    const other = everyOther(t, k + 1, 'second');
    if (other) return other;
  }
  const vague = vagueAmountEnd(t, k);
  if (vague > 0) return refuse(vague, 'ambiguous', VAGUE_EVERY);
  if (w === 'now' && words(t, k + 1, 'and', 'then') > 0) return refuse(k + 3, 'ambiguous', VAGUE_EVERY);
  if (w === 'time' || w === 'single' || w === 'once') return null;
  // "every half hour", "every quarter of an hour"
  if (w === 'half' || w === 'quarter') {
    const h = opt(t, opt(t, isPunct(t, k + 1, '-') ? k + 2 : k + 1, 'of'), 'an', 'a');
    if (isWord(t, h, 'hour')) return everyOf(h + 1, w === 'half' ? 30 : 15, 'minute');
  }
  // "every 2 and a half hours", "every 1 hour 30 minutes", "every 1h30m": one sub-day amount in parts.
  const compound = readDuration(t, k);
  if (compound && compound !== 'vague' && compound.end > k + 2 && compound.dur.seconds > 0) {
    const { years, months, weeks, days, seconds } = compound.dur;
    if (years + months + weeks + days === 0) return everyOf(compound.end, seconds, 'second');
  }
  const n = readNumber(t, k);
  if (n) {
    const unitWord = wordAt(t, n.end);
    const unit = UNITS.get(unitWord);
    const ofMonth = unit === 'day' ? monthOf(t, n.end + 1) : -1;
    if (unit && ofMonth > 0) {
      const m = everyOf(ofMonth, n.value, unit);
      return m.decline ? m : { ...m, facts: [...m.facts, { f: 'monthAnchor' }] };
    }
    if (unit) return everyOf(n.end + 1, n.value, unit);
    if (WEEKDAYS.has(unitWord)) return refuse(n.end + 1, 'unsupported', `"every ${n.value} ${unitWord}" cannot be one cron`);
    return null;
  }
  const unit = UNITS.get(w);
  // "every second tuesday" is an ordinal, judged below; "every second" alone is the unit.
  const ordinalDay = w === 'second' && WEEKDAYS.has(wordAt(t, k + 1));
  if (unit && !LETTER_UNITS.has(w) && !ordinalDay) {
    // "every day of the week" says no more than "every day"; "every 5 days of the month" restarts monthly.
    if (unit === 'day' && words(t, k + 1, 'of', 'the', 'week') > 0) return hit(k + 4, [every(1, unit)]);
    return hit(k + 1, [every(1, unit)]);
  }
  const period = PERIODS.get(w);
  if (period) return hit(k + 1, [every(1, 'day'), { f: 'period', period }]);
  // "every 1st day of the month", "every first monday", "every november 11th"
  const ord = readOrdinal(t, k);
  // "every 3rd friday" is the third Friday of each month, as calendar apps read it; "every second
  // tuesday" is as often meant every other Tuesday, so it is asked.
  if (ord && ord.value === 2 && WEEKDAYS.has(wordAt(t, ord.end)) && !isWord(t, ord.end + 1, 'of') && !isWord(t, ord.end + 1, 'in')) {
    return refuse(ord.end + 1, 'ambiguous', `"every ${wordAt(t, k) || t[k]?.norm} ${wordAt(t, ord.end)}": of each month, or every other week? say "the second ${wordAt(t, ord.end)} of the month"`);
  }
  // "every 2nd day", "every third week": a step ("every 2 days"), not a day of the month.
  if (ord && UNITS.has(wordAt(t, ord.end)) && !isWord(t, ord.end + 1, 'of')) {
    const unit = UNITS.get(wordAt(t, ord.end)) ?? 'day';
    return refuse(ord.end + 1, 'ambiguous', `"every ${ordinal(ord.value)} ${unit}" is unclear; say "every ${ord.value} ${unit}s" or name the day of the month`);
  }
  const inner = longest(t, k, [nthWeekdayClause, domClause, dateClause]);
  if (inner && !inner.decline) return { ...inner, facts: [...inner.facts, { f: 'recur' }], strong: true };
  return inner;
};

const LY: ReadonlyMap<string, Fact[]> = new Map([
  ['hourly', [every(1, 'hour', true)]],
  ['daily', [every(1, 'day', true)]],
  ['nightly', [every(1, 'day', true), { f: 'period', period: 'night' }]],
  ['weekly', [every(1, 'week', true)]],
  ['monthly', [every(1, 'month', true)]],
  ['quarterly', [every(1, 'quarter', true)]],
  ['yearly', [every(1, 'year', true)]],
  ['annually', [every(1, 'year', true)]],
]);

const AMBIGUOUS_LY: ReadonlySet<string> = new Set(['biweekly', 'bimonthly', 'biannually', 'biannual', 'semiannually', 'fortnightly', 'semimonthly', 'semiweekly']);

/** "hourly", "daily", "weekly", …; "biweekly" and friends are refused (twice a week or every two weeks?). */
export const lyClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  const end = i + 1;
  if ((w === 'bi' || w === 'semi' || w === 'tri') && isPunct(t, i + 1, '-')) {
    // "bi-weekly", "semi-annually", "bi-hourly": twice per, or every other? Never guessed.
    return refuse(i + 3, 'ambiguous', `"${w}-${wordAt(t, i + 2)}" is ambiguous; say how often exactly`);
  }
  const facts = LY.get(w);
  if (facts) return hit(end, facts);
  if (AMBIGUOUS_LY.has(w)) return refuse(end, 'ambiguous', `"${w}" is ambiguous; say how often exactly`);
  return null;
};
