// Per-user token buckets for the requests that cost the operator something: creating and editing
// tasks, running them now, and parsing text (whose LLM fallback spends tokens). In memory, per
// replica: N replicas behind a load balancer let a user through N times as often.
import type { Clock } from '../clock.ts';
import type { Config, RateLimit } from '../config.ts';
import { AppError } from '../errors.ts';

export type RateAction = keyof Config['rateLimits'];

const NAMES: Record<RateAction, { env: string; what: string }> = {
  create: { env: 'RATE_LIMIT_CREATE', what: 'task creations' },
  edit: { env: 'RATE_LIMIT_EDIT', what: 'task edits' },
  runNow: { env: 'RATE_LIMIT_RUN_NOW', what: 'run-now requests' },
  parse: { env: 'RATE_LIMIT_PARSE', what: 'schedule parses' },
};

export interface RateLimiter {
  /** Takes one token from the user's bucket for `action`, or throws a 429 with Retry-After. */
  take(action: RateAction, userId: string): void;
  /** Buckets held in memory (all actions); at most `maxBuckets` per action. */
  size(): number;
}

/**
 * One bucket is `debt`: how far ahead of `at` its tokens are spent, in ms × capacity, so every
 * figure is an integer and Retry-After comes out exact (no 0.9999… of a token). A take adds one
 * period; the bucket is empty when the debt would pass capacity × period.
 */
interface Bucket {
  at: number;
  debt: number;
}

const PERIOD_NAMES: Record<number, string> = { 1000: 'second', 60000: 'minute', 3600000: 'hour' };

export function createRateLimiter(opts: { limits: Config['rateLimits']; clock: Clock; maxBuckets?: number }): RateLimiter {
  const maxBuckets = opts.maxBuckets ?? 100_000;
  // One map per action, ordered by last use (a touched bucket moves to the end): the front holds
  // the longest idle, and a bucket idle for a whole period is full again, the same as no bucket.
  const maps = new Map<RateAction, Map<string, Bucket>>();

  function evict(map: Map<string, Bucket>, limit: RateLimit, now: number): void {
    for (const [user, b] of map) {
      // Past the hard cap the oldest go even if not yet full: memory wins over a little leniency.
      if (now - b.at < limit.periodMs && map.size <= maxBuckets) return;
      map.delete(user);
    }
  }

  return {
    take(action, userId) {
      const limit = opts.limits[action];
      if (!limit) return;
      const now = opts.clock.now().getTime();
      let map = maps.get(action);
      if (!map) {
        map = new Map();
        maps.set(action, map);
      }
      const c = limit.capacity;
      const full = c * limit.periodMs;
      let b = map.get(userId);
      if (b) map.delete(userId);
      else b = { at: now, debt: 0 };
      map.set(userId, b);
      // A clock that went backwards refills nothing (and takes nothing back).
      const elapsed = Math.max(0, now - b.at);
      b.debt = elapsed >= limit.periodMs ? 0 : Math.max(0, b.debt - elapsed * c);
      b.at = now;
      const excess = b.debt + limit.periodMs - full;
      if (excess > 0) {
        evict(map, limit, now);
        // excess / c ms until one token is back, rounded up to whole seconds.
        const retryAfter = Math.max(1, Math.ceil(excess / (c * 1000)));
        const n = NAMES[action];
        const per = PERIOD_NAMES[limit.periodMs] ?? `${limit.periodMs / 1000} s`;
        throw new AppError(429, 'rate_limited', `at most ${c} ${n.what} per ${per} (${n.env}); retry in ${retryAfter} s`, {
          details: { limit: n.env, retryAfterSeconds: retryAfter },
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
      b.debt += limit.periodMs;
      evict(map, limit, now);
    },
    size: () => [...maps.values()].reduce((n, m) => n + m.size, 0),
  };
}
