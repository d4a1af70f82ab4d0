import type { Clock, TimerHandle } from '../../src/clock.ts';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

// Enough turns of the event loop for promise chains and ready I/O callbacks started by a timer to
// run before the next timer fires; real database round trips still take real time (await events).
const SETTLE_TURNS = 5;
const MAX_FIRES_PER_ADVANCE = 100_000;


/**
 * A clock that moves only when a test says so. `advance(ms)` fires the timers due on the way in
 * order of their instant (then of arming), moving `now()` to each instant as it fires, and lets
 * the work they start run between them. A timer armed at or before `now()` fires on the next turn
 * of the event loop without the clock moving, as a real 0 ms timer would.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<TimerHandle, Pending>();
  #draining = false;
  #watchers: Array<{ ms: number; resolve: () => void }> = [];

  constructor(start: Date | number = Date.now()) {
    this.#now = Math.floor(typeof start === 'number' ? start : start.getTime());
  }

  now(): Date {
    return new Date(this.#now);
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {} as TimerHandle;
    // Whole milliseconds, as a Date holds them: `now()` then never hides part of an instant.
    const at = this.#now + Math.ceil(Math.max(0, Number.isFinite(ms) ? ms : 0));
    this.#timers.set(handle, { at, seq: this.#seq++, fn });
    if (at <= this.#now) this.#drainSoon();
    if (this.#watchers.length) this.#armedNow(ms);
    return handle;
  }

  /**
   * Resolves when a timer of `ms` is next armed (from this call on): a test awaits the code under
   * test reaching a timed wait before advancing past it. Rejects after `timeoutMs` of real time.
   */
  armed(ms: number, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== watcher);
        reject(new Error(`ManualClock: no ${ms} ms timer armed within ${timeoutMs} ms`));
      }, timeoutMs);
      const watcher = {
        ms,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#watchers.push(watcher);
    });
  }

  clearTimeout(timer: TimerHandle | undefined): void {
    if (timer) this.#timers.delete(timer);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        this.clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Moves the clock `ms` forward, firing every timer due on the way (see the class comment). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.ceil(Math.max(0, ms));
    await settle();
    for (let fired = 0; fired < MAX_FIRES_PER_ADVANCE; fired++) {
      const next = this.#earliest(target);
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
    await settle();
  }

  /** Moves the clock `ms` back, firing nothing: a wall clock stepped back (by NTP, say). */
  rewind(ms: number): void {
    this.#now -= Math.ceil(Math.max(0, ms));
  }

  /** Moves the clock to `at` (never backwards), firing what is due on the way. */
  advanceTo(at: Date | number): Promise<void> {
    const t = typeof at === 'number' ? at : at.getTime();
    return this.advance(Math.max(0, t - this.#now));
  }

  #armedNow(ms: number): void {
    const due = this.#watchers.filter((w) => w.ms === ms);
    if (due.length === 0) return;
    this.#watchers = this.#watchers.filter((w) => w.ms !== ms);
    for (const w of due) w.resolve();
  }

  #earliest(limit: number): [TimerHandle, Pending] | undefined {
    let best: [TimerHandle, Pending] | undefined;
    for (const entry of this.#timers) {
      const p = entry[1];
      if (p.at > limit) continue;
      if (!best || p.at < best[1].at || (p.at === best[1].at && p.seq < best[1].seq)) best = entry;
    }
    return best;
  }

  #drainSoon(): void {
    if (this.#draining) return;
    this.#draining = true;
    setImmediate(() => {
      this.#draining = false;
      for (let fired = 0; fired < MAX_FIRES_PER_ADVANCE; fired++) {
        const next = this.#earliest(this.#now);
        if (!next) break;
        this.#timers.delete(next[0]);
        next[1].fn();
      }
    });
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((r) => setImmediate(r));
}
