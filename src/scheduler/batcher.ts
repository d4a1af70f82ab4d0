import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';

export interface Batcher<T> {
  add(item: T): void;
  /** Writes everything added so far (retrying until it succeeds or the batcher is closed). */
  flush(): Promise<void>;
  size(): number;
  close(): Promise<void>;
}

export interface BatcherOptions<T> {
  name: string;
  logger: Logger;
  /** Runs the delay and the retry backoff (the engine's clock). */
  clock: Clock;
  /** How long items may wait for company before a write (0: next turn of the event loop). */
  delayMs: number;
  maxBatch: number;
  /** Awaited before each batch is taken (items added meanwhile join it). */
  ready?: () => Promise<void>;
  write: (items: T[]) => Promise<void>;
}

/**
 * Collects items and writes them in batches, one write in flight at a time, in order. A failed
 * write (database restarting) is retried with backoff and nothing is dropped: losing a "finished"
 * record would leave an execution running forever in the database.
 */
export function createBatcher<T>(opts: BatcherOptions<T>): Batcher<T> {
  const items: T[] = [];
  let timer: TimerHandle | undefined;
  let inFlight: Promise<void> | null = null;
  let closed = false;

  const run = async (): Promise<void> => {
    let backoff = 50;
    while (items.length) {
      if (opts.ready) await opts.ready();
      const batch = items.length > opts.maxBatch ? items.splice(0, opts.maxBatch) : items.splice(0);
      for (;;) {
        try {
          await opts.write(batch);
          backoff = 50;
          break;
        } catch (err) {
          if (closed && backoff > 2_000) {
            opts.logger.error({ err, batch: opts.name, lost: batch.length }, 'giving up on a batch at shutdown');
            break;
          }
          opts.logger.warn({ err: (err as Error).message, batch: opts.name, size: batch.length }, 'batch write failed; retrying');
          await opts.clock.sleep(backoff);
          backoff = Math.min(backoff * 2, 5_000);
        }
      }
    }
  };

  const kick = (): Promise<void> => {
    if (timer) {
      opts.clock.clearTimeout(timer);
      timer = undefined;
    }
    if (!inFlight) {
      inFlight = run().finally(() => {
        inFlight = null;
        if (items.length) schedule();
      });
    }
    return inFlight;
  };

  function schedule() {
    if (timer || inFlight) return;
    timer = opts.clock.setTimeout(kick, opts.delayMs);
  }

  return {
    add(item) {
      items.push(item);
      if (items.length >= opts.maxBatch) void kick();
      else schedule();
    },
    async flush() {
      while (items.length || inFlight) await kick();
    },
    size: () => items.length,
    async close() {
      closed = true;
      while (items.length || inFlight) await kick();
    },
  };
}
