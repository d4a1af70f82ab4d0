import { hostname } from 'node:os';
import pg from 'pg';
import { CHANNELS } from '../models/notify.ts';
import { databaseClockMs } from '../store/claims.ts';
import { sweepDependencies } from './dependencies.ts';
import { createClaiming } from './engine/claiming.ts';
import { createDispatching, type Dispatching } from './engine/dispatching.ts';
import type { EngineEmitter } from './engine/events.ts';
import { createFinishing } from './engine/finishing.ts';
import { createHolding } from './engine/holding.ts';
import { abortRun, createState, type EngineOptions, type EngineState, every, waitingCount } from './engine/state.ts';
import { type Listener, listen } from './listener.ts';
import { sweepOrphans } from './record.ts';
import { beat, forgetReplica, processExists, sameHostReplicas, takeOverDead } from './replicas.ts';
import { startupSync } from './sync.ts';
import { expireWaits } from './wait.ts';

export type { EngineEvents, FiredEvent, PeriodicJob } from './engine/events.ts';
export type { Takeover } from './replicas.ts';
export type { EngineOptions } from './engine/state.ts';

export interface EngineStats {
  id: string;
  held: number;
  waiting: number;
  running: number;
  lastLagMs: number | null;
  clockOffsetMs: number;
}

export interface Engine {
  readonly id: string;
  readonly events: EngineEmitter;
  start(): Promise<void>;
  /** Stops claiming, lets runs finish within the grace period, then releases what is left. */
  stop(graceMs?: number): Promise<void>;
  isReady(): boolean;
  stats(): EngineStats;
}

/**
 * The firing loop: claim ahead, fire from memory, record in batches (ARCHITECTURE.md). Its parts
 * share one state object: claiming fills holding, holding hands due fires to dispatching, and
 * finishing records what the runner returns. Every timer runs on `opts.clock`.
 */
export function createEngine(opts: EngineOptions): Engine {
  const { db, logger, config, clock } = opts;
  const pool = db.pool;
  // Liveness on a connection of its own: in a burst the shared pool queues thousands of run writes,
  // and a heartbeat waiting behind them for longer than SCHEDULER_REPLICA_DEAD_MS made a busy, live
  // replica look dead to the others, who took over its runs and ran them again (bench/fire.ts, K =
  // 10,000 on 3 replicas: 2,731 duplicates before this).
  const livePool = new pg.Pool({ connectionString: db.url, max: 1, keepAlive: true });
  livePool.on('error', (err) => logger.warn({ err: err.message }, 'liveness connection error'));
  const s = createState(opts);
  // Dispatching is built last (it needs finishing, which needs holding): the table calls it late.
  let dispatching: Dispatching | undefined;
  const holding = createHolding(s, (fires) => dispatching?.due(fires));
  const finishing = createFinishing(s, holding, () => {
    dispatching?.pump();
    claiming.freed();
  });
  dispatching = createDispatching(s, holding, finishing);
  const claiming = createClaiming(s, holding);
  let listener: Listener | undefined;

  function onNotify(channel: string, payload: string): void {
    let msg: { id?: string; op?: string; released?: boolean; takeover?: boolean } = {};
    try {
      msg = JSON.parse(payload);
    } catch {
      // a wake-up call without details is still a wake-up call
    }
    if (channel === CHANNELS.cancel && msg.id) {
      s.table.drop(msg.id);
      abortRun(s, msg.id, 'cancelled');
      return;
    }
    if (channel === CHANNELS.tasks && msg.id && (msg.op === 'deleted' || msg.op === 'paused' || msg.op === 'rescheduled')) {
      holding.dropTask(msg.id);
      if (msg.op === 'deleted') for (const [xid, r] of s.running) if (r.fire.taskId === msg.id) abortRun(s, xid, 'cancelled');
    }
    // Fires another replica let go (its shutdown, a takeover of a dead one) may be past their instant: settle them now.
    void claiming.request(false, msg.released === true || msg.takeover === true);
  }

  // Claims compare against the database's now(), timers run on the clock: arm them on corrected time.
  async function measureOffset(): Promise<void> {
    let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
    for (let i = 0; i < 3; i++) {
      const t0 = clock.now().getTime();
      const p0 = performance.now();
      const dbNow = await databaseClockMs(pool);
      const rtt = performance.now() - p0;
      if (rtt < best.rtt) best = { rtt, offset: dbNow - (t0 + rtt / 2) };
    }
    const moved = Math.abs(best.offset - s.offsetMs) > 5;
    s.offsetMs = best.offset;
    if (moved) s.table.rearm();
  }

  let beats = 0;
  async function heartbeat(): Promise<void> {
    const r = await beat(
      livePool,
      {
        id: s.id,
        host: hostname(),
        pid: process.pid,
        mode: opts.mode ?? 'all',
        concurrency: s.concurrency,
        running: s.running.size,
        queued: s.table.size + waitingCount(s),
        lastLagMs: s.lastLagMs === null ? null : Math.round(s.lastLagMs),
      },
      s.replicaDeadMs,
    );
    s.replicas = r.live;
    if (r.revived && beats > 0) {
      // Declared dead while paused or cut off: what it held was taken over, so drop it now.
      logger.warn({ engine: s.id }, 'this replica was declared dead by another (its heartbeat was late); dropping what it lost');
      await holding.renew();
    }
    beats++;
  }

  async function takeover(gone: string[] = []): Promise<void> {
    const t = await takeOverDead(pool, { self: s.id, deadAfterMs: s.replicaDeadMs, leaseMs: s.leaseMs, gone });
    if (!t.replicas.length && !t.interrupted && !t.released) return;
    // Their shares of a burst are this replica's to take now, not at the next heartbeat.
    s.replicas = s.replicas.filter((r) => !t.replicas.includes(r.id));
    logger.warn({ engine: s.id, ...t }, 'took over from dead replicas');
    s.events.emit('takeover', t);
    void claiming.request(false, true);
  }

  /** Replicas of this host whose process is gone (a previous incarnation killed): dead at once, no need to wait out their heartbeat. */
  async function goneOnThisHost(): Promise<string[]> {
    const rows = await sameHostReplicas(pool, s.id, hostname());
    return rows.filter((r) => !processExists(r.pid)).map((r) => r.id);
  }

  return {
    id: s.id,
    events: s.events,
    isReady: () => s.ready,
    stats: () => ({ id: s.id, held: s.table.size, waiting: waitingCount(s), running: s.running.size, lastLagMs: s.lastLagMs, clockOffsetMs: s.offsetMs }),
    async start() {
      await measureOffset();
      await heartbeat();
      await takeover(await goneOnThisHost());
      listener = listen({
        url: db.url,
        channels: [CHANNELS.tasks, CHANNELS.work, CHANNELS.cancel],
        logger,
        clock,
        onNotify,
        onConnect: () => void claiming.request(false, true),
      });
      const synced = await startupSync(pool, { owner: s.id, leaseMs: s.leaseMs, retryDelayMs: s.retryBaseMs, plan: s.plan, logger });
      logger.info({ engine: s.id, ...synced }, 'start-up sync done');
      s.ready = true;
      const sweepMs = Math.max(1_000, Math.floor(s.leaseMs / 2));
      every(s, s.pollMs, 'claim poll', () => claiming.request(false, true));
      every(s, Math.max(1_000, Math.floor(s.leaseMs / 3)), 'lease renewal', () => holding.renew());
      every(s, sweepMs, 'orphan sweep', () => sweepOrphans(pool, s.retryBaseMs));
      every(s, sweepMs, 'dependency sweep', () => sweepDependencies(pool));
      every(s, 1_000, 'wait expiry', () => expireWaits(pool));
      every(s, s.heartbeatMs, 'heartbeat', heartbeat);
      every(s, s.heartbeatMs, 'takeover', () => takeover());
      every(s, 30_000, 'clock offset', measureOffset);
      await claiming.request(false, true);
    },
    async stop(graceMs = config.shutdownGraceSeconds * 1000) {
      if (s.stopping) return;
      s.stopping = true;
      for (const t of s.timers) clock.clearTimeout(t);
      s.timers.clear();
      await claiming.stop();
      await listener?.close();
      // Fires not started yet go back to the pool at once; other replicas take them.
      await holding.releaseUnstarted();
      await runsEnded(s, graceMs);
      for (const xid of s.running.keys()) abortRun(s, xid, 'released');
      await runsEnded(s, 5_000);
      await finishing.close();
      await forgetReplica(livePool, s.id).catch(() => undefined);
      await livePool.end().catch(() => undefined);
      s.ready = false;
    },
  };
}

/** Resolves when no run is in progress, or after `ms` on the engine's clock. */
async function runsEnded(s: EngineState, ms: number): Promise<void> {
  if (!s.running.size) return;
  const timeout = new AbortController();
  await new Promise<void>((resolve) => {
    s.onRunEnded = () => {
      if (!s.running.size) resolve();
    };
    void s.opts.clock.sleep(ms, timeout.signal).then(resolve);
  });
  timeout.abort();
  s.onRunEnded = null;
}
