import type { Clock, TimerHandle } from '../../src/clock.ts';

/**
 * A synchronous hand-moved clock for code that only reads the time and sleeps (the rate limiter):
 * `advance` may also go back. The engine's tests use test/support/manual-clock.ts, whose timers run
 * the work they start before the next one fires.
 */
export interface ManualClock extends Clock {
  /** Moves time forward (or back, with a negative `ms`); sleeps whose end is reached resolve. */
  advance(ms: number): void;
}

/** A clock that only moves when the test says so. */
export function manualClock(start = new Date('2026-12-01T12:00:00Z')): ManualClock {
  let now = start.getTime();
  const sleepers = new Set<{ until: number; resolve: () => void }>();
  const timers = new Map<TimerHandle, { until: number; fn: () => void }>();
  return {
    now: () => new Date(now),
    setTimeout(fn, ms) {
      const handle = {} as TimerHandle;
      timers.set(handle, { until: now + ms, fn });
      return handle;
    },
    clearTimeout(handle) {
      if (handle) timers.delete(handle);
    },
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
      for (const [handle, t] of [...timers].sort((a, b) => a[1].until - b[1].until)) {
        if (t.until <= now) {
          timers.delete(handle);
          t.fn();
        }
      }
    },
  };
}
