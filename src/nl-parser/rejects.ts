// Words that make a phrase something one cron, interval or one-off cannot honestly express:
// counts and end dates ("for 20 times", "until june"), approximations ("around 9"), vague times
// ("at lunch", "every now and then"), holidays and sun times, choices ("9 or 10"). Each clause
// consumes only its own words, so a real rule that reads further at the same place wins.
import { type Clause, hit, isPunct, isWord, readNumber, refuse, wordAt, words } from './match.ts';
import { UNITS } from './lexicon.ts';
import type { Duration } from './facts.ts';
import { readDuration, vagueAmountEnd } from './relative.ts';

const VAGUE: ReadonlyMap<string, string> = new Map([
  ['sometimes', 'no exact time'], ['occasionally', 'no exact time'], ['periodically', 'no exact time'],
  ['regularly', 'no exact time'], ['often', 'no exact time'], ['frequently', 'no exact time'], ['randomly', 'no exact time'],
  ['soon', 'no exact time'], ['later', 'no exact time'], ['shortly', 'no exact time'], ['eventually', 'no exact time'],
  ['whenever', 'no exact time'], ['lunchtime', 'no exact time'], ['dinnertime', 'no exact time'], ['eod', 'no exact time'],
  ['cob', 'no exact time'], ['eow', 'no exact time'], ['around', 'only an approximate time'], ['about', 'only an approximate time'],
  ['approximately', 'only an approximate time'], ['approx', 'only an approximate time'], ['roughly', 'only an approximate time'],
  ['circa', 'only an approximate time'], ['ish', 'only an approximate time'], ['or', 'a choice between times'],
  ['maybe', 'no exact time'], ['perhaps', 'no exact time'], ['24/7', 'no exact time'], ['always', 'no exact time'],
]);

const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ['christmas', 'holidays are not understood; give the date (e.g. Dec 25)'], ['xmas', 'holidays are not understood; give the date (e.g. Dec 25)'],
  ['easter', 'holidays are not understood; give the date'], ['thanksgiving', 'holidays are not understood; give the date'],
  ['halloween', 'holidays are not understood; give the date (Oct 31)'], ['hanukkah', 'holidays are not understood; give the date'],
  ['diwali', 'holidays are not understood; give the date'], ['ramadan', 'holidays are not understood; give the date'],
  ['holiday', 'holidays are not understood; give the date'], ['holidays', 'holidays are not understood; give the date'],
  ['sunrise', 'sun times change daily; give a clock time'], ['sunset', 'sun times change daily; give a clock time'],
  ['dawn', 'sun times change daily; give a clock time'], ['dusk', 'sun times change daily; give a clock time'],
  ['when', 'event triggers are not schedules'], ['whenever', 'event triggers are not schedules'], ['if', 'conditions are not schedules'],
  ['unless', 'conditions are not schedules'], ['until', 'an end date or time cannot be part of one schedule'],
  ['till', 'an end date or time cannot be part of one schedule'], ['ending', 'an end date or time cannot be part of one schedule'],
]);

/** "twice a day", "3 times per week", "for 20 times": a count (how many, per which unit), not times of day. */
function countPhrase(t: Parameters<Clause>[0], i: number): { end: number; n: number; per: string | null } | null {
  const w = wordAt(t, i);
  let j = -1;
  let count = 0;
  if (w === 'twice' || w === 'thrice') {
    j = i + 1;
    count = w === 'twice' ? 2 : 3;
  } else {
    const n = readNumber(t, w === 'for' ? (isWord(t, i + 1, 'the') && isWord(t, i + 2, 'next') ? i + 3 : i + 1) : i);
    // "3x a week", "2x daily": the multiplication sign glued to the number.
    const times = n && (['times', 'time', 'occurrences', 'runs'].includes(wordAt(t, n.end)) || (isWord(t, n.end, 'x') && !t[n.end]?.spaced));
    if (n && times) {
      j = n.end + 1;
      count = n.value;
    }
  }
  if (j < 0) return null;
  const per = wordAt(t, j);
  if (['a', 'an', 'per', 'every', 'each'].includes(per) && wordAt(t, j + 1)) return { end: j + 2, n: count, per: wordAt(t, j + 1) };
  const ly = LY_UNITS.get(per);
  if (ly) return { end: j + 1, n: count, per: ly };
  return { end: j, n: count, per: null };
}

const LY_UNITS: ReadonlyMap<string, string> = new Map([['daily', 'day'], ['weekly', 'week'], ['monthly', 'month'], ['yearly', 'year'], ['hourly', 'hour']]);

const DAY_SPREADS: Readonly<Record<number, string>> = {
  2: 'at 09:00 and 21:00? say "every day at 9am and 9pm"',
  3: 'at 09:00, 15:00 and 21:00? say "every day at 9am, 3pm and 9pm"',
  4: 'at 09:00, 13:00, 17:00 and 21:00? say "every day at 9am, 1pm, 5pm and 9pm"',
};
const WEEK_SPREADS: Readonly<Record<number, string>> = {
  2: 'on Monday and Thursday at 09:00? say "every monday and thursday at 9am"',
  3: 'on Monday, Wednesday and Friday at 09:00? say "every monday, wednesday and friday at 9am"',
};

/** "twice a day": a question that offers a concrete reading the user can accept by saying it. */
function countQuestion(n: number, per: string | null): string {
  const offer = per === 'day' ? DAY_SPREADS[n] : per === 'week' ? WEEK_SPREADS[n] : per === 'month' && n === 2 ? 'on the 1st and 15th at 09:00? say "on the 1st and 15th at 9am"' : undefined;
  const what = `${n === 2 ? 'twice' : n === 3 ? 'three times' : `${n} times`}${per ? ` a ${per}` : ''}`;
  return offer ? `${what}: ${offer}` : `${what}: at which times? e.g. "at 9am and 5pm"`;
}

/** A duration of hours, minutes or seconds only: how long something lasts ("for 3 minutes"). */
export function isActivityLength(d: Duration): boolean {
  return d.seconds > 0 && d.seconds <= 12 * 3600 && d.years === 0 && d.months === 0 && d.weeks === 0 && d.days === 0;
}

/** Multi-word vague or unsupported phrases. */
const PHRASES: readonly (readonly [readonly string[], 'ambiguous' | 'unsupported', string])[] = [
  [['now', 'and', 'then'], 'ambiguous', 'no exact time'],
  [['from', 'time', 'to', 'time'], 'ambiguous', 'no exact time'],
  [['a', 'while'], 'ambiguous', 'no exact time'],
  [['end', 'of', 'day'], 'ambiguous', 'say what time'],
  [['end', 'of', 'the', 'day'], 'ambiguous', 'say what time'],
  [['end', 'of', 'the', 'week'], 'ambiguous', 'say which day and time'],
  [['end', 'of', 'the', 'month'], 'ambiguous', 'say "the last day of the month"'],
  [['end', 'of', 'month'], 'ambiguous', 'say "the last day of the month"'],
  [['end', 'of', 'week'], 'ambiguous', 'say which day and time'],
  [['first', 'thing'], 'ambiguous', 'say what time'],
  [['give', 'or', 'take'], 'ambiguous', 'only an approximate time'],
  [['close', 'of', 'business'], 'ambiguous', 'say what time'],
  [['business', 'hours'], 'ambiguous', 'say which hours'],
  [['office', 'hours'], 'ambiguous', 'say which hours'],
  [['working', 'hours'], 'ambiguous', 'say which hours'],
  [['work', 'hours'], 'ambiguous', 'say which hours'],
  [['new', "year's"], 'unsupported', 'holidays are not understood; give the date (Jan 1)'],
  [['new', 'years'], 'unsupported', 'holidays are not understood; give the date (Jan 1)'],
  [['new', 'year'], 'unsupported', 'holidays are not understood; give the date (Jan 1)'],
  [["valentine's", 'day'], 'unsupported', 'holidays are not understood; give the date (Feb 14)'],
  [["mother's", 'day'], 'unsupported', 'holidays are not understood; give the date'],
  [["father's", 'day'], 'unsupported', 'holidays are not understood; give the date'],
  [['black', 'friday'], 'unsupported', 'holidays are not understood; give the date'],
  [['boxing', 'day'], 'unsupported', 'holidays are not understood; give the date (Dec 26)'],
  [['labor', 'day'], 'unsupported', 'holidays are not understood; give the date'],
  [['memorial', 'day'], 'unsupported', 'holidays are not understood; give the date'],
  [['independence', 'day'], 'unsupported', 'holidays are not understood; give the date'],
  [['every', 'time'], 'unsupported', 'event triggers are not schedules'],
  [['up', 'to'], 'unsupported', 'an end date or time cannot be part of one schedule'],
  [['no', 'later', 'than'], 'unsupported', 'a deadline is not a schedule'],
];

const MIDDLES: ReadonlySet<string> = new Set(['mid', 'middle', 'midweek', 'midmonth', 'midyear', 'midmorning', 'midafternoon']);

/** Meals are times only after a preposition: "at lunch" is vague, "lunch reminder" is an instruction. */
const MEALS: ReadonlySet<string> = new Set(['breakfast', 'brunch', 'lunch', 'dinner', 'supper']);
const MEAL_PREPOSITIONS: ReadonlySet<string> = new Set(['at', 'around', 'after', 'before', 'by', 'during']);

export const rejectClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  if (MEAL_PREPOSITIONS.has(w) && MEALS.has(wordAt(t, i + 1))) return refuse(i + 2, 'ambiguous', 'a meal is not an exact time; give a clock time');
  // "weeknights": Sunday–Thursday or Monday–Friday nights? Too unclear to pick.
  if (w === 'weeknight' || w === 'weeknights') return refuse(i + 1, 'ambiguous', '"weeknights" is unclear; name the days and a time');
  // "alternate mondays", "odd days": alternation has no cron form.
  if (w === 'alternate' || w === 'alternating' || ((w === 'odd' || w === 'even') && UNITS.has(wordAt(t, i + 1)))) {
    return refuse(i + 1, 'unsupported', 'alternating days or weeks cannot be one cron');
  }
  if (MIDDLES.has(w)) return refuse(i + 1, 'ambiguous', `"${w}" is not an exact day or time`);
  for (const [phrase, kind, reason] of PHRASES) {
    const end = words(t, i, ...phrase);
    if (end > 0) return refuse(end, kind, reason);
  }
  const vague = VAGUE.get(w);
  if (vague) return refuse(i + 1, 'ambiguous', `the phrase gives ${vague}`);
  const unsupported = UNSUPPORTED.get(w);
  if (unsupported) return refuse(i + 1, 'unsupported', unsupported);
  if (isPunct(t, i, '~')) return refuse(i + 1, 'ambiguous', 'the phrase gives only an approximate time');
  // Counts: "for 20 times", "3 times a day", "twice a week"; bounds: "for 2 weeks", "for the next 5 days".
  const count = countPhrase(t, i);
  if (count) {
    return w === 'for' ? refuse(count.end, 'unsupported', 'a repeat count cannot be part of one schedule') : refuse(count.end, 'ambiguous', countQuestion(count.n, count.per));
  }
  const j = w === 'for' && isWord(t, i + 1, 'the') && isWord(t, i + 2, 'next') ? i + 3 : i + 1;
  if (w === 'for') {
    const d = readDuration(t, j);
    if (d === 'vague') return refuse(vagueAmountEnd(t, j), 'ambiguous', 'the amount of time is vague');
    // "meditate for 3 minutes": a length of time in hours or less is how long the task lasts, not a bound.
    if (d && j === i + 1 && isActivityLength(d.dur)) return null;
    if (d) return refuse(d.end, 'unsupported', 'a schedule that stops after a while cannot be one cron');
    if (isWord(t, j, 'ever') || isWord(t, j, 'good')) return hit(j + 1, []);
  }
  return null;
};

/**
 * Words that say "schedule this" without adding meaning: "Fire", "Run a job", "please",
 * "set a reminder for", "from now on". Only allowed where the segment may start.
 */
export const fillerClause: Clause = (t, i) => {
  const w = wordAt(t, i);
  if (w === 'please') return hit(i + 1, [], false);
  if (['fire', 'run', 'trigger', 'execute', 'schedule', 'do'].includes(w)) {
    for (const obj of [['a', 'job'], ['the', 'job'], ['this', 'job'], ['job'], ['a', 'task'], ['the', 'task'], ['this', 'task'], ['task'], ['it'], ['this']]) {
      const end = words(t, i + 1, ...obj);
      if (end > 0) return hit(end, [], false);
    }
    return hit(i + 1, [], false);
  }
  const set = words(t, i, 'set');
  const article = set > 0 ? (isWord(t, set, 'a') || isWord(t, set, 'an') ? set + 1 : set) : -1;
  if (article > 0 && (isWord(t, article, 'alarm') || isWord(t, article, 'reminder'))) {
    return hit(isWord(t, article + 1, 'for') ? article + 2 : article + 1, [], false);
  }
  // "once at 5pm", "once on dec 24": a one-off said outright ("once every …" is a frequency).
  if (w === 'once' && !['every', 'each', 'a', 'per'].includes(wordAt(t, i + 1))) return hit(i + 1, [{ f: 'single' }], false);
  return null;
};

/** Words that change nothing about when: "from now on", "forever", "please". */
export const noopClause: Clause = (t, i) => {
  if (isWord(t, i, 'please') || isWord(t, i, 'forever') || isWord(t, i, 'indefinitely')) return hit(i + 1, [], false);
  const fromNowOn = words(t, i, 'from', 'now', 'on');
  return fromNowOn > 0 ? hit(fromNowOn, [], false) : null;
};
