import type { Clock } from '../../src/clock.ts';

export interface ManualClock extends Clock {
  /** Moves time forward (or back, with a negative `ms`); sleeps whose end is reached resolve. */
  advance(ms: number): void;
}

/** A clock that only moves when the test says so. */
export function manualClock(start = new Date('2026-12-01T12:00:00Z')): ManualClock {
  let now = start.getTime();
  const sleepers = new Set<{ until: number; resolve: () => void }>();
  return {
    now: () => new Date(now),
    sleep(ms, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const s = { until: now + ms, resolve };
        sleepers.add(s);
        signal?.addEventListener(
          'abort',
          () => {
            sleepers.delete(s);
            resolve();
          },
          { once: true },
        );
      });
    },
    advance(ms) {
      now += ms;
      for (const s of [...sleepers]) {
        if (s.until <= now) {
          sleepers.delete(s);
          s.resolve();
        }
      }
    },
  };
}
