import type { Clock, TimerHandle } from '../clock.ts';
import type { ClaimedFire } from './claim.ts';

/**
 * Claimed fires waiting for their instant, grouped by instant with one timer per distinct
 * instant (not per fire), plus an index by task so a pause or delete can drop them. Its timers
 * run on the engine's clock.
 */
export class FireTable {
  readonly #byInstant = new Map<number, ClaimedFire[]>();
  readonly #timers = new Map<number, TimerHandle>();
  readonly #byId = new Map<string, ClaimedFire>();
  readonly #byTask = new Map<string, Set<string>>();
  readonly #onDue: (fires: ClaimedFire[]) => void;
  readonly #localNow: () => number;
  readonly #clock: Clock;

  /** `localNow` is the database's clock as seen from here (the clock's now + measured offset). */
  constructor(onDue: (fires: ClaimedFire[]) => void, localNow: () => number, clock: Clock) {
    this.#onDue = onDue;
    this.#localNow = localNow;
    this.#clock = clock;
  }

  get size(): number {
    return this.#byId.size;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  add(fire: ClaimedFire): boolean {
    if (this.#byId.has(fire.executionId)) return false;
    this.#byId.set(fire.executionId, fire);
    const forTask = this.#byTask.get(fire.taskId) ?? new Set<string>();
    this.#byTask.set(fire.taskId, forTask);
    forTask.add(fire.executionId);
    const at = fire.scheduledFor;
    const group = this.#byInstant.get(at);
    if (group) {
      group.push(fire);
      return true;
    }
    this.#byInstant.set(at, [fire]);
    const timer = this.#clock.setTimeout(() => this.#due(at), Math.max(0, at - this.#localNow()));
    this.#timers.set(at, timer);
    return true;
  }

  #due(at: number): void {
    const group = this.#byInstant.get(at) ?? [];
    this.#byInstant.delete(at);
    this.#timers.delete(at);
    const live: ClaimedFire[] = [];
    for (const f of group) {
      // Dropped fires stay in their group (removal is O(1) through the index), so skip them here.
      if (this.#byId.get(f.executionId) !== f) continue;
      this.#forget(f);
      live.push(f);
    }
    if (live.length) this.#onDue(live);
  }

  #forget(f: ClaimedFire): void {
    this.#byId.delete(f.executionId);
    const forTask = this.#byTask.get(f.taskId);
    forTask?.delete(f.executionId);
    if (forTask?.size === 0) this.#byTask.delete(f.taskId);
  }

  /** Drops one fire; returns it if it was held. */
  drop(id: string): ClaimedFire | undefined {
    const f = this.#byId.get(id);
    if (f) this.#forget(f);
    return f;
  }

  /** Drops every fire of a task (except manual runs, which the user asked for explicitly). */
  dropTask(taskId: string): ClaimedFire[] {
    const ids = [...(this.#byTask.get(taskId) ?? [])];
    const dropped: ClaimedFire[] = [];
    for (const id of ids) {
      const f = this.#byId.get(id);
      if (f && f.trigger !== 'manual') {
        this.#forget(f);
        dropped.push(f);
      }
    }
    return dropped;
  }

  /** Empties the table (shutdown), returning what it held. */
  clear(): ClaimedFire[] {
    for (const t of this.#timers.values()) this.#clock.clearTimeout(t);
    const all = [...this.#byId.values()];
    this.#timers.clear();
    this.#byInstant.clear();
    this.#byId.clear();
    this.#byTask.clear();
    return all;
  }

  /** Re-arms every timer (after the clock offset changed noticeably). */
  rearm(): void {
    for (const [at, timer] of this.#timers) {
      this.#clock.clearTimeout(timer);
      this.#timers.set(at, this.#clock.setTimeout(() => this.#due(at), Math.max(0, at - this.#localNow())));
    }
  }
}
