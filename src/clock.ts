/** An armed timer: only the clock that made it can clear it. */
export type TimerHandle = { readonly __timer: unique symbol };

/**
 * The only source of "now" and of timers for scheduling code, so tests can drive time by hand
 * (a manual clock moves only when the test says so, and fires its timers as it moves).
 */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** `unref`: the timer alone does not keep the process alive (a real clock's; a manual one has none). */
  setTimeout(fn: () => void, ms: number, opts?: { unref?: boolean }): TimerHandle;
  clearTimeout(timer: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
  setTimeout: (fn, ms, opts) => {
    const timer = setTimeout(fn, ms);
    if (opts?.unref) timer.unref();
    return timer as unknown as TimerHandle;
  },
  clearTimeout: (timer) => clearTimeout(timer as unknown as NodeJS.Timeout | undefined),
};
