// Sharing: with several live replicas, a burst is split between them rather than left to the
// first one awake. Each claims a fair share of the work in the look-ahead window — in proportion
// to its free runner slots, with 20 % slack so that the shares overlap and nothing waits for a
// slow replica — and leaves the rest to the others; what nobody took is taken after a short delay.
import type { Replica } from '../replicas.ts';

/** Slack over an exact split: the shares cover the burst even when one replica is a little late. */
export const SHARE_SLACK = 1.2;
/** How long a replica leaves the rest of a burst to the others before it takes what is left. */
export const LEFTOVER_DELAY_MS = 200;

export interface ShareInput {
  /** Work in the window: tasks due in it (unclaimed) plus queued fires in it (claimed or not). */
  total: number;
  /** Fires this replica already holds unstarted (they count against its share). */
  mine: number;
  selfId: string;
  /** This replica's free runner slots now (fresher than its heartbeat row). */
  selfFree: number;
  /** Live replicas as of the last heartbeat, this one included. */
  replicas: readonly Replica[];
}

/** How many more fires this replica claims in this round: unbounded when it is alone. */
export function fairShare(x: ShareInput): number {
  const others = x.replicas.filter((r) => r.id !== x.selfId);
  if (others.length === 0) return Number.POSITIVE_INFINITY;
  const free = x.selfFree + others.reduce((n, r) => n + r.free, 0);
  // Every slot busy everywhere: an even split.
  const weight = free > 0 ? x.selfFree / free : 1 / (others.length + 1);
  return Math.max(0, Math.ceil(x.total * weight * SHARE_SLACK) - x.mine);
}
