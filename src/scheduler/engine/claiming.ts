// Claiming: rounds that take the fires due within the look-ahead window into memory, as many as
// this replica has room for. Rounds never overlap; a request during a round runs one more after it.
import type { TimerHandle } from '../../clock.ts';
import { type ClaimedFire, claimDueTasks, claimQueued } from '../claim.ts';
import type { Holding } from './holding.ts';
import { heldCount } from './holding.ts';
import { type EngineState, localNow } from './state.ts';

const CLAIM_BATCH = 1000;

export interface Claiming {
  /** Runs a claim round now, or one more after the round in progress; resolves when done. */
  request(): Promise<void>;
  /** Waits for the round in progress and arms no more wake-ups (shutdown). */
  stop(): Promise<void>;
}

export function createClaiming(s: EngineState, holding: Holding): Claiming {
  const { logger, clock } = s.opts;
  const pool = s.opts.db.pool;
  let claiming: Promise<void> | null = null;
  let again = false;
  let wakeTimer: TimerHandle | undefined;
  const halt = new AbortController();

  async function round(): Promise<void> {
    let room = s.maxHeld - heldCount(s);
    const claimed: ClaimedFire[] = [];
    while (room > 0 && !s.stopping) {
      const limit = Math.min(CLAIM_BATCH, room);
      const r = await claimDueTasks(pool, { owner: s.id, windowMs: s.windowMs, leaseMs: s.leaseMs, limit, plan: s.plan });
      for (const f of r.fires) holding.hold(f);
      claimed.push(...r.fires);
      if (r.missed) s.events.emit('missed', r.missed);
      room -= r.fires.length;
      if (r.examined < limit) break;
    }
    if (room > 0 && !s.stopping) {
      const queued = await claimQueued(pool, { owner: s.id, windowMs: s.windowMs, leaseMs: s.leaseMs, limit: Math.min(CLAIM_BATCH, room) });
      for (const f of queued) holding.hold(f);
      claimed.push(...queued);
    }
    if (claimed.length) s.events.emit('claimed', claimed);
    if (room > 0) await armWake();
  }

  // Wake up exactly when the earliest unclaimed fire enters the window, so a fire created just
  // outside it is not left to the next poll (one index probe: the first entry of tasks_due).
  async function armWake(): Promise<void> {
    const { rows } = await pool.query<{ ms: number | null }>(
      `select (extract(epoch from min(t.next_run_at)) * 1000)::float8 as ms from tasks t where t.enabled and t.next_run_at is not null`,
    );
    const next = rows[0]?.ms;
    clock.clearTimeout(wakeTimer);
    wakeTimer = undefined;
    if (next == null || s.stopping) return;
    const delay = next - s.windowMs - localNow(s);
    if (delay > 0 && delay < 24 * 3_600_000) wakeTimer = clock.setTimeout(() => void request(), delay + 1);
  }

  function request(): Promise<void> {
    if (!s.ready || s.stopping) return Promise.resolve();
    if (claiming) {
      again = true;
      return claiming;
    }
    claiming = (async () => {
      do {
        again = false;
        try {
          await round();
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'claim round failed; will retry');
          await clock.sleep(200, halt.signal);
        }
      } while (again && !s.stopping);
    })().finally(() => {
      claiming = null;
    });
    return claiming;
  }

  return {
    request,
    async stop() {
      halt.abort();
      clock.clearTimeout(wakeTimer);
      await claiming;
    },
  };
}
