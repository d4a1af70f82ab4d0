// Splits tokens into schedule segments and instruction pieces (see segment.ts for the shapes).
// The schedule may open the text, close it, both, or sit inside it; everything else is the
// instruction. Several splits may be possible ("check the sun every day at 9": is "sun" a
// Sunday?), so they are offered in order of preference and the caller keeps the first whose
// instruction holds no stray schedule words (task-text.ts).
import { type ClauseCache, parseSegment, type Segment } from './segment.ts';
import type { Toks } from './tokenize.ts';
import type { Decline } from './types.ts';

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
  /** A refusal found inside the schedule part of this split. */
  decline: Decline | null;
}

const ADJECTIVES: ReadonlySet<string> = new Set(['daily', 'weekly', 'monthly', 'yearly', 'annual', 'nightly', 'hourly', 'quarterly']);

const piece = (from: number, to: number, afterSchedule: boolean, beforeSchedule: boolean): Piece => ({ from, to, afterSchedule, beforeSchedule });

function split(segments: Segment[], pieces: Piece[]): Split {
  return { segments, pieces, decline: segments.find((s) => s.decline)?.decline ?? null };
}

/** The possible splits of `t`, most likely first: whole text, opening + closing, closing, opening, inside. */
export function splitCandidates(t: Toks, cache: ClauseCache): Split[] {
  const n = t.length;
  const prefix = parseSegment(t, 0, cache);
  if (prefix.end === n || prefix.decline) return [split([prefix], prefix.end === n ? [] : [piece(prefix.end, n, true, false)])];
  // A weak opening ("Run", "sat") is read as part of the instruction.
  const p = prefix.strong ? prefix.end : 0;
  const out: Split[] = [];
  // "Weekly review every Friday at 4pm": a frequency adjective before a noun names the task first.
  if (p === 1 && ADJECTIVES.has(t[0]?.norm ?? '') && t[1]?.kind === 'word') {
    for (let s = 2; s < n; s++) {
      const seg = parseSegment(t, s, cache);
      if (seg.end === n && seg.strong) out.push(split([seg], [piece(0, s, false, true)]));
    }
  }
  for (let s = Math.max(p, 1); s < n; s++) {
    const seg = parseSegment(t, s, cache);
    if (seg.end !== n || !seg.strong) continue;
    out.push(p > 0 ? split([prefix, seg], [piece(p, s, true, true)]) : split([seg], [piece(0, s, false, true)]));
  }
  if (p > 0) {
    out.push(split([prefix], [piece(p, n, true, false)]));
    return out;
  }
  // "remind me at 5pm to call mom": a strong run inside the text.
  for (let i = 1; i < n; i++) {
    if (!cache.at(i, false)?.strong) continue;
    const seg = parseSegment(t, i, cache);
    if (seg.strong && seg.end < n) out.push(split([seg], [piece(0, i, false, true), piece(seg.end, n, true, false)]));
  }
  return out;
}
