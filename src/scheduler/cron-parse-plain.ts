/**
 * The fast path of parseCron, for expressions written only with digits, `*`, `,`, `-`, `/`, spaces
 * and tabs (nearly every stored schedule): one scan over the characters, no regexes, no substrings.
 *
 * It accepts only items of the forms `*`, `n`, `a-b`, `a-b/s` and `*\/s`, with croner's value and
 * step checks (so an out-of-range value throws the same error as the general path). Anything else —
 * names, `?`, `L`, `W`, `#`, `+`, nicknames, other whitespace, malformed items — returns null and
 * the general parser decides, from scratch. Both process items left to right, so when this path
 * throws, the general one would have thrown at the same item.
 */

import { type Acc, type CompiledCron, checkStep, compile, DOM, DOW, FULL_HI, FULL_LO, newAcc, SHIFT, SIZE, setIndex, setRange, YEAR } from './cron-fields.ts';

const STAR = 42;
const COMMA = 44;
const DASH = 45;
const SLASH = 47;

function isPlainChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === STAR || c === COMMA || c === DASH || c === SLASH;
}

/** Value of the digits in s[from, to), or −1 if that span is empty or not all digits. */
function digits(s: string, from: number, to: number): number {
  if (from >= to) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** End of the run of digits starting at `from`. */
function digitsEnd(s: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    i++;
  }
  return i;
}

/** One item s[p, q); false when it is not one of the plain forms. */
function plainItem(acc: Acc, field: number, s: string, p: number, q: number): boolean {
  if (p >= q) return false;
  if (s.charCodeAt(p) === STAR) {
    if (q === p + 1) {
      if (field === DOW) acc.weekdays.fill(63);
      else if (field === YEAR) acc.years.push(1, 9999, 1);
      else {
        acc.lo[field] = FULL_LO[field] as number;
        acc.hi[field] = FULL_HI[field] as number;
      }
      return true;
    }
    if (s.charCodeAt(p + 1) !== SLASH) return false;
    const step = digits(s, p + 2, q);
    if (step < 0) return false;
    checkStep(field, step);
    // croner steps from table index 0 (day 1, January, Sunday); for years from 0, which it skips.
    if (field === YEAR) setRange(acc, YEAR, step, 9999, step, undefined);
    else setRange(acc, field, 0, (SIZE[field] as number) - 1, step, undefined);
    return true;
  }
  const shift = SHIFT[field] as number;
  const aEnd = digitsEnd(s, p, q);
  if (aEnd === p) return false;
  const from = digits(s, p, aEnd) + shift;
  if (aEnd === q) {
    if (field === YEAR) setRange(acc, YEAR, from, from, 1, undefined);
    else setIndex(acc, field, from, undefined);
    return true;
  }
  if (s.charCodeAt(aEnd) !== DASH) return false;
  const bEnd = digitsEnd(s, aEnd + 1, q);
  if (bEnd === aEnd + 1) return false;
  const to = digits(s, aEnd + 1, bEnd) + shift;
  let step = 1;
  if (bEnd !== q) {
    if (s.charCodeAt(bEnd) !== SLASH) return false;
    step = digits(s, bEnd + 1, q);
    if (step < 0) return false;
  }
  if (from > to) return false; // the general path words this error
  if (bEnd !== q) checkStep(field, step);
  setRange(acc, field, from, to, step, undefined);
  return true;
}

/** Parses a plain expression, or returns null to hand it to the general parser. */
export function parsePlain(s: string): CompiledCron | null {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const start = i;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d === 32 || d === 9) break;
      if (!isPlainChar(d)) return null;
    }
    starts.push(start);
    ends.push(i);
  }
  const n = starts.length;
  if (n < 5 || n > 7) return null;
  // Five fields have no seconds (croner uses 0); a seventh is the year.
  const first = n === 5 ? 1 : 0;
  const acc = newAcc();
  if (first === 1) setIndex(acc, 0, 0, undefined);
  let plainTime = true;
  const isStar = [false, false, false, false, false, false, n < 7];
  for (let k = 0; k < n; k++) {
    const field = k + first;
    const from = starts[k] as number;
    const to = ends[k] as number;
    isStar[field] = to === from + 1 && s.charCodeAt(from) === STAR;
    if (field <= 2) {
      for (let i = from; i < to; i++) {
        const c = s.charCodeAt(i);
        if (c === STAR || c === SLASH) plainTime = false;
      }
    }
    let p = from;
    for (;;) {
      let q = p;
      while (q < to && s.charCodeAt(q) !== COMMA) q++;
      if (!plainItem(acc, field, s, p, q)) return null;
      if (q >= to) break;
      p = q + 1;
    }
  }
  return compile(acc, { starDom: isStar[DOM] as boolean, starDow: isStar[DOW] as boolean, starYear: isStar[YEAR] as boolean, andDow: false, plainTime });
}
