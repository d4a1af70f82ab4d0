// Splits a phrase into tokens the grammar matches on. Numbers, clock times ("9:30", "9:04:52"),
// ordinals ("15th"), dates ("2026-12-24", "05/31/2024") and IANA zone names are recognized here,
// once, so no rule has to re-scan characters. Every token keeps its offsets in the original text,
// which is how the instruction ("summarize HN") is cut out with its original spelling.
import { isValidTimezone } from '../scheduler/schedule.ts';
import { isScheduleWord } from './lexicon.ts';
import { correctName } from './spelling.ts';

export type TokenKind = 'word' | 'num' | 'time' | 'ord' | 'isodate' | 'slashdate' | 'instant' | 'zone' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Words: lower case without accents. Numbers: the digits as typed. Zones: the IANA name. Punctuation: the character. */
  readonly norm: string;
  readonly start: number;
  readonly end: number;
  /** num and ord: the number (a num may be a decimal); instant: epoch milliseconds; NaN otherwise. */
  readonly value: number;
  /** time: [h, m, s]; isodate: [y, m, d]; slashdate: [first, second, year or NaN]. */
  readonly parts: readonly number[];
  /** Whitespace (or the start of the text) comes before it: the "am" of "9am" is not spaced. */
  readonly spaced: boolean;
  /** A word read as a day or month name it misspells ("wednsday"): what was typed. */
  readonly typo?: string;
}

export type Toks = readonly Token[];

const LETTER = /\p{L}/u;
// Anchored patterns matched against a slice: no shared lastIndex to set between calls.
const ZONE_NAME = /^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+/;
// An ISO instant with its offset: 2027-11-30T08:15:30Z, 2027-11-30T08:15-05:00.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})(?![\p{L}\d])/iu;
const ORDINAL_SUFFIX = /^(st|nd|rd|th)(?![\p{L}])/iu;
const PUNCT_ALIASES: Record<string, string> = { '\u2013': '-', '\u2014': '-', '\u201c': '"', '\u201d': '"', '\u2018': "'", '\u2019': "'" };

const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\u00a0';
function isLetter(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c > 127 && LETTER.test(ch));
}

function digitsAt(text: string, i: number): number {
  let j = i;
  while (j < text.length && isDigit(text.charCodeAt(j))) j++;
  return j;
}

function token(kind: TokenKind, norm: string, start: number, end: number, spaced: boolean, value = Number.NaN, parts: readonly number[] = []): Token {
  return { kind, norm, start, end, value, parts, spaced };
}

/** Reads a run of digits with what may follow it: ":mm[:ss]", "-mm-dd", "/dd[/yy]", ".5", "st". */
function readNumber(text: string, i: number, spaced: boolean): Token[] {
  const j = digitsAt(text, i);
  const digits = text.slice(i, j);
  const next = text[j];
  // Clock time: 9:30, 09:30:15 (minutes and seconds always two digits).
  if (next === ':' && digits.length <= 2) {
    const m = digitsAt(text, j + 1);
    if (m - j - 1 === 2) {
      let end = m;
      let s = 0;
      if (text[m] === ':') {
        const k = digitsAt(text, m + 1);
        if (k - m - 1 === 2) {
          s = Number(text.slice(m + 1, k));
          end = k;
        }
      }
      return [token('time', text.slice(i, end), i, end, spaced, Number.NaN, [Number(digits), Number(text.slice(j + 1, j + 3)), s])];
    }
  }
  const instant = digits.length === 4 && next === '-' ? ISO_INSTANT.exec(text.slice(i)) : null;
  if (instant) {
    const end = i + instant[0].length;
    return [token('instant', instant[0], i, end, spaced, Date.parse(instant[0].toUpperCase()))];
  }
  // ISO date 2026-12-24, optionally glued to a time by "T".
  if (next === '-' && digits.length === 4) {
    const m = digitsAt(text, j + 1);
    const d = m - j - 1 === 2 && text[m] === '-' ? digitsAt(text, m + 1) : -1;
    if (d > 0 && d - m - 1 === 2) {
      const parts = [Number(digits), Number(text.slice(j + 1, m)), Number(text.slice(m + 1, d))];
      const tok = token('isodate', text.slice(i, d), i, d, spaced, Number.NaN, parts);
      if ((text[d] === 'T' || text[d] === 't') && isDigit(text.charCodeAt(d + 1))) return [tok, ...readNumber(text, d + 1, false)];
      return [tok];
    }
  }
  // Slash date: 05/31/2024, 31/05, 2026/12/24.
  if (next === '/' && isDigit(text.charCodeAt(j + 1))) {
    const m = digitsAt(text, j + 1);
    let end = m;
    let third = Number.NaN;
    if (text[m] === '/' && isDigit(text.charCodeAt(m + 1))) {
      end = digitsAt(text, m + 1);
      third = Number(text.slice(m + 1, end));
      if (end - m - 1 === 2 && digits.length <= 2) third += 2000;
    }
    const a = Number(digits);
    const b = Number(text.slice(j + 1, m));
    if (digits.length === 4) {
      // 2026/12/24 is year-first; "2026/12" alone is nothing we read.
      if (Number.isNaN(third)) return [token('num', digits, i, j, spaced, a)];
      return [token('isodate', text.slice(i, end), i, end, spaced, Number.NaN, [a, b, third])];
    }
    // "24/7" is "all the time", never the 24th of July.
    if (a === 24 && b === 7 && Number.isNaN(third)) return [token('word', '24/7', i, end, spaced)];
    return [token('slashdate', text.slice(i, end), i, end, spaced, Number.NaN, [a, b, third])];
  }
  // Decimal: 1.5 (hours), 9.30 (a time only where the grammar says so).
  if (next === '.' && isDigit(text.charCodeAt(j + 1))) {
    const k = digitsAt(text, j + 1);
    return [token('num', text.slice(i, k), i, k, spaced, Number(text.slice(i, k)))];
  }
  const suffix = ORDINAL_SUFFIX.exec(text.slice(j, j + 3));
  if (suffix) return [token('ord', digits, i, j + 2, spaced, Number(digits))];
  return [token('num', digits, i, j, spaced, Number(digits))];
}

/** Whether the last non-space character before i is a digit. */
function afterDigit(text: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && text[k] === ' ') k--;
  return k >= 0 && isDigit(text.charCodeAt(k));
}

function readWord(text: string, i: number, spaced: boolean): Token {
  const zone = text.indexOf('/', i) > i ? ZONE_NAME.exec(text.slice(i)) : null;
  if (zone && isValidTimezone(zone[0])) return token('zone', zone[0], i, i + zone[0].length, spaced);
  let j = i;
  while (j < text.length) {
    const ch = text[j];
    if (isLetter(ch)) j++;
    // Keep "o'clock" and "today's" whole.
    else if ((ch === "'" || ch === '\u2019') && isLetter(text[j + 1])) j++;
    else break;
  }
  const raw = text.slice(i, j);
  let norm = raw.toLowerCase();
  if (/[^\u0000-\u007f]/.test(norm)) norm = norm.normalize('NFD').replace(/\p{M}/gu, '').replace(/\u2019/g, "'");
  // "a.m." and "p.m." read as "am" and "pm".
  if ((norm === 'a' || norm === 'p') && text[j] === '.' && (text[j + 1] === 'm' || text[j + 1] === 'M')) {
    const end = text[j + 2] === '.' ? j + 3 : j + 2;
    return token('word', `${norm}m`, i, end, spaced);
  }
  // "3:30 p m": spaced letters after a number.
  if ((norm === 'a' || norm === 'p') && text[j] === ' ' && (text[j + 1] === 'm' || text[j + 1] === 'M') && !isLetter(text[j + 2]) && afterDigit(text, i)) {
    return token('word', `${norm}m`, i, j + 2, spaced);
  }
  if (norm.length >= 5 && !isScheduleWord(norm)) {
    const fixed = correctName(norm);
    if (fixed) return { ...token('word', fixed, i, j, spaced), typo: raw };
  }
  return token('word', norm, i, j, spaced);
}

/** The tokens of `text`, whitespace dropped. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let spaced = true;
  while (i < text.length) {
    const ch = text[i] as string;
    if (isSpace(ch)) {
      spaced = true;
      i++;
      continue;
    }
    if (isDigit(ch.charCodeAt(0))) {
      const toks = readNumber(text, i, spaced);
      out.push(...toks);
      i = (toks[toks.length - 1] as Token).end;
    } else if (isLetter(ch)) {
      const tok = readWord(text, i, spaced);
      out.push(tok);
      i = tok.end;
    } else {
      // One token per code point, so an emoji is one symbol rather than two halves.
      const symbol = String.fromCodePoint(text.codePointAt(i) ?? 0);
      out.push(token('punct', PUNCT_ALIASES[symbol] ?? symbol, i, i + symbol.length, spaced));
      i += symbol.length;
    }
    spaced = false;
  }
  return out;
}
