// Minutes past the hour: "20 past every hour", "quarter past and quarter to every hour",
// "at :30", "at minutes 15 and 45", "30 minutes past the hour", "on the hour".
import type { ClockTime, Fact } from './facts.ts';
import { type Clause, hit, isPunct, isWord, listSep, opt, readNumber, readOrdinal, words, wordAt } from './match.ts';
import { readClock } from './time.ts';
import type { Toks } from './tokenize.ts';

interface Item {
  /** null: a plain number whose direction comes from a later item ("15 and 45 minutes past"). */
  minute: number | null;
  n: number;
  end: number;
  dir: 'past' | 'to' | null;
}

const MINUTE_WORDS: ReadonlySet<string> = new Set(['minute', 'minutes', 'min', 'mins']);

function readItem(t: Toks, i: number, listedMinutes: boolean): Item | null {
  const tok = t[i];
  if (isPunct(t, i, ':') && t[i + 1]?.kind === 'num' && t[i + 1]?.norm.length === 2 && !t[i + 1]?.spaced) {
    return { minute: t[i + 1]?.value ?? 0, n: 0, end: i + 2, dir: null };
  }
  if (MINUTE_WORDS.has(wordAt(t, i)) && t[i + 1]?.kind === 'num') return { minute: t[i + 1]?.value ?? 0, n: 0, end: i + 2, dir: null };
  const j = opt(t, i, 'a');
  const w = wordAt(t, j);
  if (w === 'quarter' || w === 'half') {
    const dir = wordAt(t, j + 1);
    if (dir === 'past' || dir === 'after') return { minute: w === 'quarter' ? 15 : 30, n: 0, end: j + 2, dir: 'past' };
    if (dir === 'to' && w === 'quarter') return { minute: 45, n: 0, end: j + 2, dir: 'to' };
    return null;
  }
  // "the 15th minute"
  const the = opt(t, i, 'the');
  const ord = readOrdinal(t, the);
  if (ord && MINUTE_WORDS.has(wordAt(t, ord.end))) return { minute: ord.value, n: 0, end: ord.end + 1, dir: null };
  if (tok?.kind !== 'num' && !readNumber(t, i)) return null;
  const n = readNumber(t, i);
  if (!n || !Number.isInteger(n.value) || n.value > 59) return null;
  let k = n.end;
  const unit = MINUTE_WORDS.has(wordAt(t, k));
  if (unit) k++;
  const dir = wordAt(t, k);
  if (dir === 'past' || dir === 'after') return { minute: n.value, n: n.value, end: k + 1, dir: 'past' };
  if (dir === 'to' && unit) return { minute: 60 - n.value, n: n.value, end: k + 1, dir: 'to' };
  if (listedMinutes) return { minute: n.value, n: n.value, end: k, dir: null };
  return { minute: null, n: n.value, end: k, dir: null };
}

/** "every hour", "each hour", "the hour" after the minutes; `every` says the phrase repeats hourly. */
function hourTail(t: Toks, i: number): { end: number; every: boolean } | null {
  const j = opt(t, i, 'of', 'past', 'after');
  const w = wordAt(t, j);
  if ((w === 'every' || w === 'each' || w === 'the') && isWord(t, j + 1, 'hour')) return { end: j + 2, every: w !== 'the' };
  return null;
}

/** "at second 10", "on second 30", "at 10 seconds past the minute": the second within each minute. */
function secondOfMinute(t: Toks, i: number): ReturnType<Clause> {
  const lead = wordAt(t, i);
  if (lead !== 'at' && lead !== 'on') return null;
  let value: number;
  let end: number;
  if (isWord(t, i + 1, 'second') && t[i + 2]?.kind === 'num') {
    value = t[i + 2]?.value ?? 0;
    end = i + 3;
  } else {
    const n = readNumber(t, i + 1);
    if (!n || !(isWord(t, n.end, 'seconds') || isWord(t, n.end, 'second')) || words(t, n.end + 1, 'past', 'the', 'minute') < 0) return null;
    value = n.value;
    end = n.end + 4;
  }
  if (!Number.isInteger(value) || value < 0 || value > 59) return null;
  return hit(end, [{ f: 'phase', unit: 'second', value }]);
}

export const minuteOfHour: Clause = (t, i) => {
  const second = secondOfMinute(t, i);
  if (second) return second;
  const on = words(t, i, 'on', 'the');
  if (on > 0) {
    if (isWord(t, on, 'hour')) return hit(on + 1, [{ f: 'minutes', minutes: [0] }]);
    const half = isPunct(t, on + 1, '-') ? on + 2 : on + 1;
    if (isWord(t, on, 'half') && isWord(t, half, 'hour')) return hit(half + 1, [{ f: 'minutes', minutes: [30] }]);
    return null;
  }
  let j = opt(t, i, 'at');
  const top = words(t, j, 'the', 'top', 'of');
  if (top > 0) {
    const tail = hourTail(t, top);
    if (!tail) return null;
    const facts: Fact[] = [{ f: 'minutes', minutes: [0] }];
    if (tail.every) facts.push({ f: 'every', n: 1, unit: 'hour', aligned: true });
    return hit(tail.end, facts);
  }
  // "at minutes 15 and 45": the numbers that follow are minutes.
  const listed = wordAt(t, j) === 'minutes' && t[j + 1]?.kind === 'num';
  if (listed) j++;
  const items: Item[] = [];
  let k = j;
  for (;;) {
    const item = readItem(t, k, listed);
    if (!item) break;
    items.push(item);
    const sep = listSep(t, item.end);
    if (sep < 0) break;
    k = opt(t, sep, 'at');
  }
  const last = items[items.length - 1];
  if (!last) return null;
  const minutes: number[] = [];
  for (const item of items) {
    let m = item.minute;
    if (m === null) {
      // A plain number takes its direction from the last item, else "at 5" is a time, not a minute.
      if (!last.dir) return null;
      m = last.dir === 'past' ? item.n : 60 - item.n;
    }
    if (m < 0 || m > 59) return null;
    if (!minutes.includes(m)) minutes.push(m);
  }
  const tail = hourTail(t, last.end);
  // "at 5 and 35 minutes past 2:00 pm": minutes around one clock time are times of day.
  const base = !tail && last.dir ? readClock(t, last.end, true) : null;
  if (base && 'time' in base && base.time.m === 0 && base.time.s === 0) {
    const times: ClockTime[] = items.map((item) => {
      const m = item.minute ?? (last.dir === 'past' ? item.n : 60 - item.n);
      const total = (base.time.h * 60 + (item.dir === 'to' || (item.minute === null && last.dir === 'to') ? m - 60 : m) + 1440) % 1440;
      return { h: Math.floor(total / 60), m: total % 60, s: 0, mer: base.time.mer, fixed: base.time.fixed };
    });
    return hit(base.end, [{ f: 'times', times }]);
  }
  const facts: Fact[] = [{ f: 'minutes', minutes: minutes.sort((a, b) => a - b) }];
  if (tail?.every) facts.push({ f: 'every', n: 1, unit: 'hour', aligned: true });
  return hit(tail ? tail.end : last.end, facts);
};
