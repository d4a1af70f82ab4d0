import type { Clock } from '../../clock.ts';

export interface BatchLoopOptions {
  clock: Clock;
  signal: AbortSignal;
  /** Rest between batches, so the firing path gets the database (and the CPU) in between. */
  pauseMs: number;
}

export interface BatchLoopResult {
  rows: number;
  batches: number;
  /** Stopped early by the signal (shutdown, cancel) with work left. */
  stopped: boolean;
}

/**
 * Runs `batch` (one short transaction that deletes at most `size` rows and says how many) until a
 * batch comes back short or the signal aborts. Many small transactions instead of one long one:
 * no lock is held for long, and a crash loses at most one batch of work.
 */
export async function inBatches(size: number, batch: () => Promise<number>, opts: BatchLoopOptions): Promise<BatchLoopResult> {
  let rows = 0;
  let batches = 0;
  for (;;) {
    if (opts.signal.aborted) return { rows, batches, stopped: true };
    const n = await batch();
    rows += n;
    batches++;
    if (n < size) return { rows, batches, stopped: false };
    await opts.clock.sleep(opts.pauseMs, opts.signal);
  }
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
