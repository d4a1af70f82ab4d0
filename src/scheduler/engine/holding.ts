// Holding: the fires this replica claimed and has not started yet. They wait in the fire table
// for their instant, then (when every runner slot is busy) in the waiting queue; their leases
// are renewed while held, and they go back to the pool at shutdown.
import type { ClaimedFire } from '../claim.ts';
import { FireTable } from '../dispatch.ts';
import { releaseQueued, renewLeases } from '../record.ts';
import { abortRun, type EngineState, localNow, waitingCount } from './state.ts';

export interface Holding {
  /** Fires due now, in claim order, to the dispatcher (set once, when the parts are wired). */
  hold(fire: ClaimedFire): void;
  /** Queues due fires that found no free runner slot. */
  enqueue(fire: ClaimedFire): void;
  /** The oldest queued fire, if any. */
  dequeue(): ClaimedFire | undefined;
  /** Drops a task's held fires (paused, rescheduled, deleted), announcing each. */
  dropTask(taskId: string): void;
  /** Renews the leases of every fire and run this replica holds; drops and aborts the ones lost. */
  renew(): Promise<void>;
  /** Hands every fire not started yet back to the pool (shutdown). */
  releaseUnstarted(): Promise<void>;
}

export function createHolding(s: EngineState, onDue: (fires: ClaimedFire[]) => void): Holding {
  const { logger, clock } = s.opts;
  const pool = s.opts.db.pool;
  s.table = new FireTable(onDue, () => localNow(s), clock);
  return {
    hold: (fire) => void s.table.add(fire),
    enqueue: (fire) => void s.waiting.push(fire),
    dequeue() {
      if (s.waitHead >= s.waiting.length) return undefined;
      const f = s.waiting[s.waitHead] as ClaimedFire;
      s.waiting[s.waitHead++] = undefined as unknown as ClaimedFire;
      if (s.waitHead > 1024 && s.waitHead * 2 > s.waiting.length) {
        s.waiting.splice(0, s.waitHead);
        s.waitHead = 0;
      }
      return f;
    },
    dropTask(taskId) {
      for (const f of s.table.dropTask(taskId)) s.events.emit('dropped', f);
    },
    async renew() {
      const held = [...s.table.ids(), ...s.waiting.slice(s.waitHead).map((f) => f.executionId), ...s.running.keys()];
      const lost = await renewLeases(pool, s.id, s.leaseMs, held);
      for (const x of lost) {
        s.table.drop(x);
        abortRun(s, x, 'lost');
      }
    },
    async releaseUnstarted() {
      const unstarted = [...s.table.clear(), ...s.waiting.slice(s.waitHead)];
      s.waiting.length = 0;
      s.waitHead = 0;
      await releaseQueued(
        pool,
        s.id,
        unstarted.map((f) => f.executionId),
      ).catch((err) => logger.error({ err }, 'releasing fires failed'));
    },
  };
}

/** Fires held in memory (in the table and the waiting queue) plus runs in progress. */
export function heldCount(s: EngineState): number {
  return s.table.size + waitingCount(s) + s.running.size;
}
