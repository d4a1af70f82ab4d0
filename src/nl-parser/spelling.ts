// Day and month names typed one edit wrong ("wednsday", "febuary", "thrusday") are read as the
// name, and the token remembers what was typed so the preview can say what it corrected. Only
// names of six letters or more are corrected: shorter ones sit one edit from ordinary words
// ("march"/"match", "june"/"tune"), and a wrong day is worse than a decline.
const NAMES: readonly string[] = [
  'sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday',
  'sundays', 'mondays', 'tuesdays', 'wednesdays', 'thursdays', 'fridays', 'saturdays',
  'january', 'february', 'august', 'september', 'october', 'november', 'december',
  // Words of relative dates and units typed fast ("tomorrw", "in 5 minuts", "every wekday"): left
  // unread, they would fall into the instruction and the schedule would silently lose them.
  'tomorrow', 'minutes', 'seconds', 'weekday', 'weekdays', 'weekend', 'weekends', 'morning', 'evening', 'afternoon',
];

/** English words one edit from a name: never corrected. */
const REAL_WORDS: ReadonlySet<string> = new Set(['sundae', 'sundaes', 'sundry', 'augusta', 'auguste', 'mundays', 'fridas', 'mourning', 'minuets']);

/** Whether a and b differ by one insertion, deletion, substitution or swap of neighbours. */
function oneEdit(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** The day or month name `word` (lower case) was most likely meant to be, or null. */
export function correctName(word: string): string | null {
  if (word.length < 5 || word.length > 11 || REAL_WORDS.has(word)) return null;
  let found: string | null = null;
  for (const name of NAMES) {
    if (!oneEdit(word, name)) continue;
    // Two names one edit away: no guess.
    if (found !== null) return null;
    found = name;
  }
  return found;
}
