// Claiming: rounds that take the fires due within the look-ahead window into memory, as many as
// this replica has room for and, beside other live replicas, its fair share (sharing.ts). Rounds
// never overlap; a request during a round runs one more after it.
import type { TimerHandle } from '../../clock.ts';
import { countWindowWork, earliestNextRunMs } from '../../store/claims.ts';
import { type ClaimedFire, claimDueTasks, claimQueued } from '../claim.ts';
import { resolveStaleFires } from '../misfires.ts';
import type { Holding } from './holding.ts';
import { heldCount } from './holding.ts';
import { fairShare, LEFTOVER_DELAY_MS } from './sharing.ts';
import { type EngineState, localNow, waitingCount } from './state.ts';

const CLAIM_BATCH = 1000;

export interface Claiming {
  /**
   * Runs a claim round now, or one more after the round in progress; resolves when done. A
   * `leftover` round takes what the other replicas left, beyond this one's share. A `settle` round
   * also applies the misfire policy to fires let go past their instant (resolveStaleFires).
   */
  request(leftover?: boolean, settle?: boolean): Promise<void>;
  /**
   * A run ended. When the last round stopped for want of room (more was due than this replica may
   * hold) and half the room is free again, claims the next part at once: without it a burst larger
   * than the room was taken one room-full per poll (amqp fires, done in milliseconds, ran at
   * maxHeld fires per second). Costs nothing when there is no backlog.
   */
  freed(): void;
  /** Waits for the round in progress and arms no more wake-ups (shutdown). */
  stop(): Promise<void>;
}

export function createClaiming(s: EngineState, holding: Holding): Claiming {
  const { logger, clock } = s.opts;
  const pool = s.opts.db.pool;
  let claiming: Promise<void> | null = null;
  let again = false;
  let againLeftover = false;
  // The next round settles stale fires: one asked for it, or the round that was asked failed.
  let settleOwed = false;
  let wakeTimer: TimerHandle | undefined;
  const halt = new AbortController();

  let leftoverTimer: TimerHandle | undefined;
  // The last round filled the room: there may be more due than was taken.
  let roomFull = false;

  /** What this replica may claim in this round (a fair share when others are alive, see sharing.ts). */
  async function shareOf(leftover: boolean): Promise<number> {
    if (leftover || s.replicas.length < 2) return Number.POSITIVE_INFINITY;
    const total = await countWindowWork(pool, s.windowMs);
    return fairShare({ total, mine: s.table.size + waitingCount(s), selfId: s.id, selfFree: Math.max(0, s.concurrency - s.running.size), replicas: s.replicas });
  }

  async function round(leftover: boolean, settle: boolean): Promise<void> {
    let room = s.maxHeld - heldCount(s);
    let share = await shareOf(leftover);
    // The share ran out while there may be more: the others get a moment to take theirs.
    let shareFull = false;
    const claimed: ClaimedFire[] = [];
    while (room > 0 && !s.stopping) {
      if (share <= 0) {
        shareFull = true;
        break;
      }
      const limit = Math.min(CLAIM_BATCH, room, share);
      const r = await claimDueTasks(pool, { owner: s.id, windowMs: s.windowMs, leaseMs: s.leaseMs, limit, plan: s.plan });
      for (const f of r.fires) holding.hold(f);
      claimed.push(...r.fires);
      if (r.missed) s.events.emit('missed', r.missed);
      room -= r.fires.length;
      share -= r.fires.length;
      if (r.examined < limit) break;
    }
    roomFull = room <= 0;
    if (room > 0 && !s.stopping) {
      // Fires let go past their instant (shutdown, a dead replica) obey the misfire policy, not run
      // late. Only the rounds that can find some settle them: the poll, a release, a takeover, a
      // (re)connect. The pass is the costliest statement to plan (~3.7 ms under load), and the
      // rounds woken by manual runs, retries and creates — most rounds under load — find nothing to
      // settle; claimQueued leaves stale fires to it meanwhile.
      if (settle) {
        const stale = await resolveStaleFires(pool, { misfireAfterMs: s.plan.misfireAfterMs, limit: CLAIM_BATCH });
        if (stale.missed) s.events.emit('missed', stale.missed);
      }
      const limit = Math.min(CLAIM_BATCH, room, Math.max(0, share));
      if (limit > 0) {
        // Queued runs whose holder's lease ran out are found by the same rounds as stale fires.
        const queued = await claimQueued(pool, { owner: s.id, windowMs: s.windowMs, leaseMs: s.leaseMs, limit, misfireAfterMs: s.plan.misfireAfterMs, expired: settle });
        for (const f of queued) holding.hold(f);
        claimed.push(...queued);
        if (queued.length === limit && share !== Number.POSITIVE_INFINITY) shareFull = true;
      } else if (share <= 0) {
        shareFull = true;
      }
    }
    if (claimed.length) s.events.emit('claimed', claimed);
    if (shareFull && room > 0 && !s.stopping && !leftoverTimer) {
      leftoverTimer = clock.setTimeout(() => {
        leftoverTimer = undefined;
        void request(true);
      }, LEFTOVER_DELAY_MS);
    }
    if (room > 0) await armWake();
  }

  // Wake up exactly when the earliest unclaimed fire enters the window, so a fire created just
  // outside it is not left to the next poll (one index probe: the first entry of tasks_due).
  async function armWake(): Promise<void> {
    const next = await earliestNextRunMs(pool);
    clock.clearTimeout(wakeTimer);
    wakeTimer = undefined;
    if (next == null || s.stopping) return;
    const delay = next - s.windowMs - localNow(s);
    if (delay > 0 && delay < 24 * 3_600_000) wakeTimer = clock.setTimeout(() => void request(), delay + 1);
  }

  function request(leftover = false, settle = false): Promise<void> {
    if (!s.ready || s.stopping) return Promise.resolve();
    settleOwed ||= settle;
    if (claiming) {
      again = true;
      againLeftover ||= leftover;
      return claiming;
    }
    claiming = (async () => {
      let take = leftover;
      do {
        again = false;
        const settling = settleOwed;
        settleOwed = false;
        try {
          await round(take, settling);
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'claim round failed; will retry');
          settleOwed ||= settling;
          await clock.sleep(200, halt.signal);
        }
        take = againLeftover;
        againLeftover = false;
      } while (again && !s.stopping);
    })().finally(() => {
      claiming = null;
    });
    return claiming;
  }

  return {
    request,
    freed() {
      if (roomFull && !claiming && heldCount(s) <= s.maxHeld / 2) void request();
    },
    async stop() {
      halt.abort();
      clock.clearTimeout(wakeTimer);
      clock.clearTimeout(leftoverTimer);
      await claiming;
    },
  };
}
