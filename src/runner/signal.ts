// The two ways a run stops early, and waiting on work that might not stop by itself.
import type { Clock } from '../clock.ts';

export interface RunSignal {
  /** Fires on the engine's abort (cancel, shutdown) or when the run's time is up. */
  signal: AbortSignal;
  /** True when the time limit fired and the engine did not (a cancel landing later still counts as a cancel). */
  timedOut(): boolean;
  dispose(): void;
}

/** Combines the engine's signal with the run's time limit (a timer of `clock`), remembering which one fired. */
export function runSignal(external: AbortSignal, timeoutMs: number, clock: Clock): RunSignal {
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctl.abort(external.reason);
  if (external.aborted) ctl.abort(external.reason);
  else external.addEventListener('abort', onAbort, { once: true });
  const timer = clock.setTimeout(() => {
    timedOut = true;
    ctl.abort(new DOMException('the run timed out', 'TimeoutError'));
  }, timeoutMs);
  return {
    signal: ctl.signal,
    timedOut: () => timedOut && !external.aborted,
    dispose() {
      clock.clearTimeout(timer);
      external.removeEventListener('abort', onAbort);
    },
  };
}

export const ABORTED: unique symbol = Symbol('aborted');

/**
 * Waits for `work`, or stops waiting when `signal` fires (ABORTED). Work that ignores the signal (a
 * database query, a tool that does not listen) is left to settle on its own; its outcome is observed,
 * so a late rejection is never unhandled.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
