// The instruction around a schedule ("summarize the top Hacker News stories") becomes the task's
// prompt, and a short name is derived from it. The pieces are checked first: an instruction that
// begins or ends with schedule words, or still holds a time, means the schedule was not fully
// understood ("every day except holidays at 9am"), so the parse is refused rather than guessed.
import { DAY_GROUPS, isScheduleWord, MERIDIEMS, MONTHS, UNITS, WEEKDAYS } from './lexicon.ts';
import { type ClauseMatch, isPunct, isWord, wordAt } from './match.ts';
import { isActivityLength } from './rejects.ts';
import { readDuration } from './relative.ts';
import type { Piece } from './split.ts';
import type { Toks } from './tokenize.ts';
import { isZoneWord } from './zones.ts';
import { type Decline, decline, type ParsedTask } from './types.ts';

const NAME_MAX = 60;
const EDGE_PUNCT: ReadonlySet<string> = new Set([',', ':', ';', '-', '>', '=', '.', '!', '?', '"', "'", '(', ')']);
const PICTOGRAPH = /\p{Extended_Pictographic}|\uFE0F|\u200D/u;
/** Punctuation, emoji and their joiners around an instruction are trimmed, not read. */
const isEdgePunct = (ch: string) => EDGE_PUNCT.has(ch) || PICTOGRAPH.test(ch);
const LEADING_CONNECTIVES: ReadonlySet<string> = new Set(['and', 'then', 'to']);
const TRAILING_CONNECTIVES: ReadonlySet<string> = new Set(['and', 'then']);
const UNCLEAR = 'part of the schedule was not understood';
const NEGATIONS: ReadonlySet<string> = new Set(['not', "don't", 'dont', 'never', "doesn't", 'doesnt', "won't", 'wont', "shouldn't", "didn't", "isn't", "aren't", 'nor']);
const RANGE_WORDS: ReadonlySet<string> = new Set(['to', 'until', 'till', 'til', 'through', 'thru', '-']);

const hasRangeWord = (t: Toks, from: number, to: number) => {
  for (let i = from; i < to; i++) if (RANGE_WORDS.has(t[i]?.norm ?? '')) return true;
  return false;
};

const hasLetter = (t: Toks, from: number, to: number) => {
  for (let i = from; i < to; i++) if (t[i]?.kind === 'word') return true;
  return false;
};

/** Trims punctuation and connectives; `to` stays when it joins two pieces ("remind me … to call mom"). */
function trim(t: Toks, p: Piece, first: boolean): { from: number; to: number } {
  let from = p.from;
  let to = p.to;
  for (;;) {
    if (from < to && t[from]?.kind === 'punct' && isEdgePunct(t[from]?.norm ?? '')) from++;
    else if (from < to && p.afterSchedule && LEADING_CONNECTIVES.has(wordAt(t, from)) && (first || wordAt(t, from) !== 'to')) from++;
    else break;
  }
  for (;;) {
    if (to > from && t[to - 1]?.kind === 'punct' && isEdgePunct(t[to - 1]?.norm ?? '')) to--;
    else if (to > from && p.beforeSchedule && TRAILING_CONNECTIVES.has(wordAt(t, to - 1))) to--;
    else break;
  }
  return { from, to };
}

/** The end of "for 3 minutes" at i when it is how long the task lasts (hours or less), else -1. */
function activityLengthEnd(t: Toks, i: number): number {
  if (!isWord(t, i, 'for')) return -1;
  const d = readDuration(t, i + 1);
  return d && d !== 'vague' && isActivityLength(d.dur) ? d.end : -1;
}

/** Whether the instruction's last token ends a "for 3 minutes" that started inside it. */
function endsWithActivityLength(t: Toks, from: number, to: number): boolean {
  for (let k = Math.max(from, to - 8); k < to - 1; k++) if (activityLengthEnd(t, k) === to) return true;
  return false;
}

/** Something that reads as a time or a repeat, left inside the instruction. */
function looksLikeSchedule(t: Toks, i: number): boolean {
  const tok = t[i];
  if (!tok) return false;
  if (tok.kind === 'time' || tok.kind === 'isodate' || tok.kind === 'slashdate') return true;
  if (tok.kind === 'num' && (MERIDIEMS.has(wordAt(t, i + 1)) || wordAt(t, i + 1) === "o'clock" || wordAt(t, i + 1) === 'oclock')) return true;
  const w = wordAt(t, i);
  // A range of hours or days ("9-5", "mon-fri", "monday to friday") is a window we did not place.
  const dash = isPunct(t, i + 1, '-') || wordAt(t, i + 1) === 'to' || wordAt(t, i + 1) === 'through';
  if (dash && tok.kind === 'num' && t[i + 2]?.kind === 'num') return true;
  if (dash && WEEKDAYS.has(w) && WEEKDAYS.has(wordAt(t, i + 2))) return true;
  if (w === 'every' || w === 'each') {
    const next = wordAt(t, i + 1);
    return t[i + 1]?.kind === 'num' || t[i + 1]?.kind === 'ord' || next === 'other' || UNITS.has(next) || WEEKDAYS.has(next) || MONTHS.has(next) || DAY_GROUPS.has(next);
  }
  if (w === 'at' && (t[i + 1]?.kind === 'num' || wordAt(t, i + 1) === 'noon' || wordAt(t, i + 1) === 'midnight')) return true;
  if ((w === 'in' || w === 'for') && t[i + 1]?.kind === 'num' && (UNITS.has(wordAt(t, i + 2)) || wordAt(t, i + 2) === 'times')) return activityLengthEnd(t, i) < 0;
  if ((w === 'until' || w === 'till') && (t[i + 1]?.kind !== 'word' || WEEKDAYS.has(wordAt(t, i + 1)) || MONTHS.has(wordAt(t, i + 1)))) return true;
  return DAY_POSSESSIVE.test(w);
}

const REPEAT_OPENERS: ReadonlySet<string> = new Set([
  'every', 'each', 'once', 'twice', 'everyday', 'daily', 'hourly', 'weekly', 'monthly', 'yearly', 'annually', 'quarterly', 'nightly',
]);
const ARTICLES: ReadonlySet<string> = new Set(['a', 'an', 'the']);
const APPROXIMATE: ReadonlySet<string> = new Set(['about', 'around', 'approximately', 'roughly']);
const CLOCK_WORDS: ReadonlySet<string> = new Set(['noon', 'midnight', 'midday', 'lunchtime']);
/** Words that would bend a schedule next to them: "call mom until tomorrow at 3". */
const MODIFIERS: ReadonlySet<string> = new Set([
  'until', 'till', 'til', 'when', 'whenever', 'if', 'unless', 'within', 'sometime', 'ending', 'beginning', 'or', 'except',
  'excluding', 'starting', 'alternate', 'alternating', 'odd', 'even', 'mid', 'midweek', 'midmonth', 'biweekly', 'fortnightly',
  'bi', 'semi', 'tri', 'end', 'middle',
  // To-do-app shorthands for today and tomorrow, and also a name ("call tom at 5"): never guessed.
  'tod', 'tom',
  // "late tomorrow afternoon": a part of a part of the day.
  'late', 'early', 'earliest', 'latest',
]);
/** Day words in the possessive ("tomorrow's standup at 9") name the day the time belongs to. */
const DAY_POSSESSIVE = /^(tomorrow|tonight|sunday|monday|tuesday|wednesday|thursday|friday|saturday)'s$/;
/**
 * A message that opens with one of these ("at the crack of dawn on workdays, …") most likely starts
 * with a time we could not read, not with the instruction: decline and let the LLM read it.
 */
const OPENING_PREPOSITIONS: ReadonlySet<string> = new Set(['at', 'on', 'by', 'around', 'before', 'after', 'during', 'from', 'until', 'till', 'for']);
/** Frequency adjectives: "run the nightly build at 2am" may well mean every night. */
const REPEAT_ADJECTIVES: ReadonlySet<string> = new Set(['hourly', 'daily', 'nightly', 'weekly', 'monthly', 'quarterly', 'yearly', 'annual', 'annually']);

/**
 * Why the instruction's edge next to the schedule shows the split is wrong, or null when it is
 * fine. A refusing word there ("for 2 weeks", "except holidays") gives its own reason.
 */
function edgeProblem(t: Toks, i: number, leading: boolean, clauseAt: (i: number) => ClauseMatch | null): Decline | null {
  const tok = t[i];
  if (!tok) return decline('ambiguous', UNCLEAR);
  // "book a table for 2 at 7pm": a count may end the instruction, but "every day at 9, 10 push-ups" is unclear.
  if (tok.kind === 'num') return leading ? decline('ambiguous', UNCLEAR) : null;
  if (tok.kind !== 'word') return decline('ambiguous', UNCLEAR);
  // "at 5pm about the report" is a topic; "every day about 9" is an approximate time.
  if (APPROXIMATE.has(tok.norm) && leading) {
    const next = t[i + 1];
    const timeLike = next && (next.kind === 'num' || next.kind === 'time' || CLOCK_WORDS.has(wordAt(t, i + 1)));
    return timeLike ? decline('ambiguous', 'the phrase gives only an approximate time') : null;
  }
  // "at 9 server time": a zone we do not know must not be dropped as if it were the instruction.
  if (leading && (isWord(t, i + 1, 'time') || isWord(t, i + 1, 'timezone')) && !isWord(t, i + 2, 'to')) return decline('ambiguous', 'that time zone is not known; name a city or an IANA zone');
  // "In 5 minutes a car needs to move": an article can open an instruction, but not end one;
  // "every hour and a half": an article before a schedule word ("half", "quarter") is the schedule's.
  if (leading && ARTICLES.has(tok.norm)) return isScheduleWord(wordAt(t, i + 1)) ? decline('ambiguous', UNCLEAR) : null;
  // A zone right after a schedule ("at 7am Eastern") would change it; before one ("a hotel in Paris") it does not.
  const zone = leading && isZoneWord(tok.norm);
  if (isScheduleWord(tok.norm) || zone || APPROXIMATE.has(tok.norm) || MODIFIERS.has(tok.norm) || (!leading && tok.norm === 'to')) {
    return (leading ? clauseAt(i)?.decline : undefined) ?? decline('ambiguous', UNCLEAR);
  }
  // After a schedule, a refusing word starts a condition or bound ("for 2 weeks", "if it rains");
  // before one, a noun such as "lunch" in "eat lunch every day at noon" is only the instruction.
  return (leading ? clauseAt(i)?.decline : undefined) ?? null;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
// "remind me to …", "can you remind me about …", "set a reminder to …", "hey, remind me: …".
const REMIND =
  /^(?:(?:hey|ok|okay)[,!]?\s+)?(?:please[,\s]+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:remind\s+me|(?:set|create|add)\s+an?\s+reminder|reminder)(?:\s*(?:(?:to|about|of|that|for)\b|[:-])\s*(.*)|\s*)$/is;

/** A title: the prompt without "please" / "remind me to", cut at a word boundary. */
export function taskName(prompt: string): string {
  let core = prompt.replace(/^please[,\s]+/i, '');
  const remind = /^remind\s+me\s+(?:to|that|about|of)\s+(.+)$/i.exec(core);
  if (remind?.[1]) core = remind[1];
  else if (/^remind\s+me$/i.test(core)) core = 'Reminder';
  core = capitalize(core.replace(/[\s.!?,;:]+$/, ''));
  if (core.length <= NAME_MAX) return core;
  const cut = core.slice(0, NAME_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > 20 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

/** The task an instruction describes; null when there is none; a decline when it hides schedule words. */
export function extractTask(
  text: string,
  t: Toks,
  pieces: readonly Piece[],
  clauseAt: (i: number) => ClauseMatch | null,
): ParsedTask | null | Decline {
  const parts: string[] = [];
  for (const [k, p] of pieces.entries()) {
    // A hyphen glued to the schedule ("bi-hourly", "daily-ish") makes one word of both: unclear.
    const gluedBefore = p.beforeSchedule && isPunct(t, p.to - 1, '-') && !t[p.to]?.spaced;
    const gluedAfter = p.afterSchedule && isPunct(t, p.from, '-') && !t[p.from]?.spaced;
    if (gluedBefore || gluedAfter) return decline('ambiguous', UNCLEAR);
    const { from, to } = trim(t, p, k === 0);
    // "at 9am to 5pm", "at ten to six pm": a range word between two schedule parts joins them
    // into one phrase the grammar did not read; two separate times would be a guess.
    if (from >= to) {
      if (p.afterSchedule && p.beforeSchedule && hasRangeWord(t, p.from, p.to)) return decline('ambiguous', 'a time range needs a frequency, e.g. "every hour from 9am to 5pm"');
      continue;
    }
    const trailingLength = p.beforeSchedule && endsWithActivityLength(t, from, to);
    const edge = (p.afterSchedule && edgeProblem(t, from, true, clauseAt)) || (p.beforeSchedule && !trailingLength && edgeProblem(t, to - 1, false, clauseAt));
    if (edge) return edge;
    // An instruction that opens with a repeat word ("every weeknight …") holds a schedule we missed.
    // "Weekly review every Friday at 4pm": a frequency adjective before a noun is part of the name.
    const adjective = from === 0 && !p.afterSchedule && REPEAT_ADJECTIVES.has(wordAt(t, from)) && t[from + 1]?.kind === 'word' && !isScheduleWord(wordAt(t, from + 1));
    if (REPEAT_OPENERS.has(wordAt(t, from)) && !adjective) return decline('ambiguous', UNCLEAR);
    if (from === 0 && !p.afterSchedule && OPENING_PREPOSITIONS.has(wordAt(t, from))) return decline('ambiguous', UNCLEAR);
    for (let i = from; i < to; i++) if (looksLikeSchedule(t, i)) return decline('ambiguous', 'the text holds more than one time or repeat');
    // "don't remind me on monday", "never on sundays": a negated instruction may negate the schedule.
    for (let i = from; i < to; i++) if (NEGATIONS.has(wordAt(t, i))) return decline('ambiguous', 'the text says not to do something; say only when it should run');
    // "28.11.2026 14:00": an instruction of only digits and signs is a date or time we did not read.
    if (!hasLetter(t, from, to)) return decline('ambiguous', UNCLEAR);
    const first = t[from];
    const last = t[to - 1];
    if (!first || !last) continue;
    if (first.kind === 'punct') return decline('ambiguous', UNCLEAR);
    parts.push(text.slice(first.start, last.end));
  }
  if (parts.length === 0) return null;
  // A stray letter ("every day at 9 a") is a typo in the schedule, not an instruction.
  // Nor are single letters joined by signs ("m/w/f at 9"): a shorthand we did not read.
  if (parts.length === 1 && /^\p{L}(?:\s*[/&+,-]?\s*\p{L})*$/u.test(parts[0] ?? '') && !/\p{L}{2}/u.test(parts[0] ?? '')) return decline('ambiguous', UNCLEAR);
  let prompt = parts.join(' ').replace(/\s+/g, ' ').trim();
  if (/^".*"$/.test(prompt) || /^'.*'$/.test(prompt)) prompt = prompt.slice(1, -1).trim();
  if (!prompt) return null;
  // "remind me to stretch": the task is "stretch", delivered with the notify tool.
  const remind = REMIND.exec(prompt);
  if (remind) {
    let rest = (remind[1] ?? '').replace(/[\s.!?,;:]+$/, '').trim();
    // A quoted message: the closing quote may already have been trimmed with the schedule.
    if (/^["\u201c]/.test(rest)) rest = rest.replace(/^["\u201c](.*?)["\u201d]?$/s, '$1').trim();
    prompt = capitalize(rest || 'Reminder');
    return { name: taskName(prompt), prompt, tools: ['notify'] };
  }
  prompt = capitalize(prompt);
  return { name: taskName(prompt), prompt };
}

const FULL_DAY_NAME = /^(sun|mon|tues|wednes|thurs|fri|satur)days?$/;

/** Whether the instruction names a weekday in full ("the monday meeting"), which a schedule without one may have meant. */
export function mentionsWeekday(t: Toks, pieces: readonly Piece[]): boolean {
  return mentionedWeekdays(t, pieces).length > 0;
}

/** The weekdays (0 = Sunday) the instruction names in full; `afterOnly`: only in text that follows a schedule part. */
export function mentionedWeekdays(t: Toks, pieces: readonly Piece[], afterOnly = false): number[] {
  const out: number[] = [];
  for (const p of pieces) {
    if (afterOnly && !p.afterSchedule) continue;
    for (let i = p.from; i < p.to; i++) {
      const w = wordAt(t, i);
      const day = FULL_DAY_NAME.test(w) ? WEEKDAYS.get(w) : undefined;
      if (day !== undefined) out.push(day);
    }
  }
  return out;
}

/** Whether the instruction words speak of a repeat ("the daily report"), which a one-off would ignore. */
export function mentionsRepeat(t: Toks, pieces: readonly Piece[]): boolean {
  return pieces.some((p) => {
    for (let i = p.from; i < p.to; i++) if (REPEAT_ADJECTIVES.has(wordAt(t, i))) return true;
    return false;
  });
}
