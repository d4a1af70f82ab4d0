// Splits tokens into schedule segments and instruction pieces (see segment.ts for the shapes).
// The schedule may open the text, close it, both, or sit inside it; everything else is the
// instruction, checked by task-text.ts.
import { ClauseCache, parseSegment, type Segment } from './segment.ts';
import type { Toks } from './tokenize.ts';
import { type Decline, decline } from './types.ts';

/** Tokens [from, to) of instruction text, and whether a schedule sits right before / after it. */
export interface Piece {
  from: number;
  to: number;
  afterSchedule: boolean;
  beforeSchedule: boolean;
}

export interface Split {
  segments: Segment[];
  pieces: Piece[];
}

const piece = (from: number, to: number, afterSchedule: boolean, beforeSchedule: boolean): Piece => ({ from, to, afterSchedule, beforeSchedule });

/** The schedule segments and instruction pieces of `t`, or a decline found in the schedule. */
export function splitSchedule(t: Toks): Split | Decline {
  const n = t.length;
  const cache = new ClauseCache(t);
  const prefix = parseSegment(t, 0, cache);
  if (prefix.decline) return prefix.decline;
  if (prefix.end === n) return { segments: [prefix], pieces: [] };
  // A weak opening ("Run", "sat") is read as part of the instruction.
  const p = prefix.strong ? prefix.end : 0;
  let suffix: Segment | null = null;
  let declined: Segment | null = null;
  for (let s = Math.max(p, 1); s < n; s++) {
    const seg = parseSegment(t, s, cache);
    if (seg.end !== n || !seg.strong) continue;
    if (!seg.decline) {
      suffix = seg;
      break;
    }
    declined ??= seg;
  }
  if (!suffix && declined?.decline) return declined.decline;
  if (suffix) {
    return p > 0
      ? { segments: [prefix, suffix], pieces: [piece(p, suffix.start, true, true)] }
      : { segments: [suffix], pieces: [piece(0, suffix.start, false, true)] };
  }
  if (p > 0) return { segments: [prefix], pieces: [piece(p, n, true, false)] };
  // "remind me at 5pm to call mom": the first strong run inside the text.
  for (let i = 1; i < n; i++) {
    if (!cache.at(i, false)?.strong) continue;
    const seg = parseSegment(t, i, cache);
    if (!seg.strong) continue;
    if (seg.decline) return seg.decline;
    return { segments: [seg], pieces: [piece(0, i, false, true), piece(seg.end, n, true, false)] };
  }
  return decline('not_understood', 'no schedule found (say when, e.g. "every weekday at 9am" or "tomorrow at 3pm")');
}
