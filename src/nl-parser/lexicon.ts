// The words the grammar knows, as lookup tables built once at import. Everything here is
// immutable data; the rules that combine these words live in their own files.

export type Unit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';
export type Period = 'morning' | 'afternoon' | 'evening' | 'night';

function table<V>(entries: Record<string, V>): ReadonlyMap<string, V> {
  return new Map(Object.entries(entries));
}

/** Weekday names, abbreviations and plurals → 0 (Sunday) … 6. */
export const WEEKDAYS: ReadonlyMap<string, number> = table({
  sunday: 0, sundays: 0, sun: 0, suns: 0,
  monday: 1, mondays: 1, mon: 1, mons: 1,
  tuesday: 2, tuesdays: 2, tue: 2, tues: 2, tu: 2,
  wednesday: 3, wednesdays: 3, wed: 3, weds: 3,
  thursday: 4, thursdays: 4, thu: 4, thur: 4, thurs: 4, thurses: 4,
  friday: 5, fridays: 5, fri: 5, fris: 5,
  saturday: 6, saturdays: 6, sat: 6, sats: 6,
});

/** Words naming a fixed set of weekdays. */
export const DAY_GROUPS: ReadonlyMap<string, readonly number[]> = table({
  weekday: [1, 2, 3, 4, 5], weekdays: [1, 2, 3, 4, 5],
  workday: [1, 2, 3, 4, 5], workdays: [1, 2, 3, 4, 5],
  weekend: [0, 6], weekends: [0, 6],
  // Chat shorthands: "wkdays at 7", "wknds".
  wkday: [1, 2, 3, 4, 5], wkdays: [1, 2, 3, 4, 5], wknd: [0, 6], wknds: [0, 6], wkend: [0, 6], wkends: [0, 6],
  // Timetable shorthands (US class schedules): Monday-Wednesday-Friday, Tuesday-Thursday.
  mwf: [1, 3, 5], tth: [2, 4], tuth: [2, 4],
});

/** Month names and abbreviations → 1 … 12. */
export const MONTHS: ReadonlyMap<string, number> = table({
  january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5,
  june: 6, jun: 6, july: 7, jul: 7, august: 8, aug: 8, september: 9, sep: 9, sept: 9,
  october: 10, oct: 10, november: 11, nov: 11, december: 12, dec: 12,
});

/** Longest day of each month (February counts its leap day). */
export const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export const NUMBER_WORDS: ReadonlyMap<string, number> = table({
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60,
});

export const ORDINAL_WORDS: ReadonlyMap<string, number> = table({
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9,
  tenth: 10, eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15,
  sixteenth: 16, seventeenth: 17, eighteenth: 18, nineteenth: 19, twentieth: 20, thirtieth: 30,
});

/** Tens that may take a unit word after them: "twenty five", "thirty-first". */
export const TENS: ReadonlySet<number> = new Set([20, 30, 40, 50]);

export const UNITS: ReadonlyMap<string, Unit> = table({
  second: 'second', seconds: 'second', sec: 'second', secs: 'second', s: 'second',
  minute: 'minute', minutes: 'minute', min: 'minute', mins: 'minute', m: 'minute',
  hour: 'hour', hours: 'hour', hr: 'hour', hrs: 'hour', h: 'hour',
  day: 'day', days: 'day', d: 'day',
  week: 'week', weeks: 'week', wk: 'week', wks: 'week', w: 'week',
  month: 'month', months: 'month', mo: 'month', mos: 'month', mth: 'month', mths: 'month',
  quarter: 'quarter', quarters: 'quarter',
  year: 'year', years: 'year', yr: 'year', yrs: 'year',
});

/** Single letters are units only right after a number ("15s", "every 15 s"). */
export const LETTER_UNITS: ReadonlySet<string> = new Set(['s', 'm', 'h', 'd', 'w']);

/** Seconds in units of fixed length; months, quarters and years have none. */
export const UNIT_SECONDS: Readonly<Record<Unit, number>> = {
  second: 1, minute: 60, hour: 3600, day: 86400, week: 604800, month: Number.NaN, quarter: Number.NaN, year: Number.NaN,
};

export const PERIODS: ReadonlyMap<string, Period> = table({
  morning: 'morning', mornings: 'morning', afternoon: 'afternoon', afternoons: 'afternoon',
  evening: 'evening', evenings: 'evening', night: 'night', nights: 'night',
});

export const MERIDIEMS: ReadonlyMap<string, 'am' | 'pm'> = table({ am: 'am', pm: 'pm' });

/** Words that make an amount vague: "in a couple of days", "every few hours". */
export const VAGUE_AMOUNTS: ReadonlySet<string> = new Set(['couple', 'few', 'several', 'some', 'many', 'multiple', 'various', 'bunch']);

/** Schedule vocabulary: an instruction may not begin or end with one of these next to the schedule. */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set([
  'at', 'on', 'in', 'by', 'before', 'after', 'from', 'until', 'till', 'til', 'through', 'thru',
  'between', 'during', 'every', 'each', 'except', 'but', 'only', 'starting', 'start', 'ending', 'beginning', 'for',
  'of', 'the', 'a', 'an', 'next', 'last', 'this', 'since', 'within', 'per', 'or', 'once', 'twice', 'than', 'other',
  'am', 'pm', 'noon', 'midnight', 'midday', 'today', 'tonight', 'tomorrow', 'yesterday', 'o\'clock', 'oclock',
  'daily', 'hourly', 'weekly', 'monthly', 'yearly', 'annually', 'quarterly', 'nightly', 'times', 'time',
  'half', 'quarter', 'past', 'ago', 'later', 'sharp', 'approximately', 'roughly', 'except', 'excluding', 'not', 'no',
  'everyday', 'weeknight', 'weeknights', 'fortnight', 'fortnights', 'fortnightly', 'biweekly', 'bimonthly',
]);

/** True for words the schedule grammar owns (names, units, number words, function words). */
export function isScheduleWord(w: string): boolean {
  return (
    FUNCTION_WORDS.has(w) || WEEKDAYS.has(w) || MONTHS.has(w) || DAY_GROUPS.has(w) || UNITS.has(w) ||
    NUMBER_WORDS.has(w) || ORDINAL_WORDS.has(w) || PERIODS.has(w)
  );
}
