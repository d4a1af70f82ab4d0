// Small token matchers shared by the grammar rules. Every matcher takes the token list and a
// position and returns the position after what it matched (or null / -1): rules never mutate a
// cursor, so trying an alternative is just calling another matcher at the same position.
import { NUMBER_WORDS, ORDINAL_WORDS, TENS } from './lexicon.ts';
import type { Decline, DeclineKind } from './types.ts';
import type { Fact } from './facts.ts';
import type { Toks } from './tokenize.ts';

/** What a clause matched: its end, the facts it states, and whether it clearly is a schedule. */
export interface ClauseMatch {
  end: number;
  facts: Fact[];
  /** Weak clauses (a bare "sunday", "may", a zone) only count next to a strong one or as the whole text. */
  strong: boolean;
  decline?: Decline;
}

export type Clause = (t: Toks, i: number) => ClauseMatch | null;

export const hit = (end: number, facts: Fact[], strong = true): ClauseMatch => ({ end, facts, strong });

export const refuse = (end: number, kind: DeclineKind, reason: string): ClauseMatch => ({
  end,
  facts: [],
  strong: true,
  decline: { ok: false, kind, reason },
});

/** The word at i (lower case), or '' when there is none. */
export function wordAt(t: Toks, i: number): string {
  const tok = t[i];
  return tok?.kind === 'word' ? tok.norm : '';
}

export const isWord = (t: Toks, i: number, w: string): boolean => wordAt(t, i) === w;

export function isPunct(t: Toks, i: number, ch: string): boolean {
  const tok = t[i];
  return tok?.kind === 'punct' && tok.norm === ch;
}

/** The position after the words `ws` in order, or -1. */
export function words(t: Toks, i: number, ...ws: string[]): number {
  for (let k = 0; k < ws.length; k++) if (wordAt(t, i + k) !== ws[k]) return -1;
  return i + ws.length;
}

/** Skips one optional word from `ws`. */
export function opt(t: Toks, i: number, ...ws: string[]): number {
  return ws.includes(wordAt(t, i)) ? i + 1 : i;
}

/** A list separator: ",", "and", "&", ", and", "or" is not one (it makes a list a choice). */
export function listSep(t: Toks, i: number): number {
  if (isPunct(t, i, ',') || isPunct(t, i, '&') || isPunct(t, i, '/')) return isWord(t, i + 1, 'and') ? i + 2 : i + 1;
  if (isWord(t, i, 'and')) return i + 1;
  return -1;
}

export interface NumberMatch {
  value: number;
  end: number;
  /** Written as digits (not "five"). */
  digits: boolean;
}

/** A cardinal number: digits, "five", "twenty five", "twenty-five"; "a"/"an" as 1 when `article`. */
export function readNumber(t: Toks, i: number, article = false): NumberMatch | null {
  const tok = t[i];
  if (!tok) return null;
  if (tok.kind === 'num') return { value: tok.value, end: i + 1, digits: true };
  if (tok.kind !== 'word') return null;
  if (article && (tok.norm === 'a' || tok.norm === 'an')) return { value: 1, end: i + 1, digits: false };
  const n = NUMBER_WORDS.get(tok.norm);
  if (n === undefined) return null;
  if (TENS.has(n)) {
    const j = isPunct(t, i + 1, '-') ? i + 2 : i + 1;
    const unit = NUMBER_WORDS.get(wordAt(t, j));
    if (unit !== undefined && unit >= 1 && unit <= 9) return { value: n + unit, end: j + 1, digits: false };
  }
  return { value: n, end: i + 1, digits: false };
}

/** An ordinal: "15th", "first", "twenty-first", "thirty first". */
export function readOrdinal(t: Toks, i: number): { value: number; end: number } | null {
  const tok = t[i];
  if (!tok) return null;
  if (tok.kind === 'ord') return { value: tok.value, end: i + 1 };
  if (tok.kind !== 'word') return null;
  const direct = ORDINAL_WORDS.get(tok.norm);
  if (direct !== undefined) return { value: direct, end: i + 1 };
  const tens = NUMBER_WORDS.get(tok.norm);
  if (tens !== undefined && TENS.has(tens)) {
    const j = isPunct(t, i + 1, '-') ? i + 2 : i + 1;
    const unit = ORDINAL_WORDS.get(wordAt(t, j));
    if (unit !== undefined && unit <= 9) return { value: tens + unit, end: j + 1 };
  }
  return null;
}

/** The longest match among `clauses` at i (ties: the first listed). */
export function longest(t: Toks, i: number, clauses: readonly Clause[]): ClauseMatch | null {
  let best: ClauseMatch | null = null;
  for (const clause of clauses) {
    const m = clause(t, i);
    if (m && (!best || m.end > best.end)) best = m;
  }
  return best;
}
