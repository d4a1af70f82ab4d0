import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock, TimerHandle } from '../../clock.ts';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { Database } from '../../models/db.ts';
import type { ClaimedFire } from '../claim.ts';
import type { FireTable } from '../dispatch.ts';
import type { PlanOptions } from '../plan.ts';
import type { Replica } from '../replicas.ts';
import type { RunFn, SendBacklog } from '../runner-port.ts';
import { createEngineEmitter, type EngineEmitter, type PeriodicJob } from './events.ts';

export interface EngineOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  run: RunFn;
  config: Config['scheduler'];
  mode?: string;
  /** First retry delay; doubles per attempt (with jitter), capped at 10 minutes. */
  retryBaseMs?: number;
  /** Safety-net poll when no notification arrives. */
  pollMs?: number;
  /** A fire claimed this late counts as a misfire (see plan.ts). */
  misfireAfterMs?: number;
  /** The runs' requests still waiting to be sent: finishes are written after a burst's requests. */
  sendBacklog?: SendBacklog;
}

export type AbortReason = 'cancelled' | 'released' | 'lost';

export interface RunningRun {
  fire: ClaimedFire;
  controller: AbortController;
  startedAt: number;
  recorded: (ours: boolean) => void;
  reason?: AbortReason;
}

/** Everything the engine's parts share: its settings, what it holds in memory and its flags. */
export interface EngineState {
  readonly id: string;
  readonly opts: EngineOptions;
  readonly events: EngineEmitter;
  readonly leaseMs: number;
  readonly windowMs: number;
  readonly concurrency: number;
  /** A replica claims no more than it can start soon, so the others get the rest. */
  readonly maxHeld: number;
  readonly retryBaseMs: number;
  readonly pollMs: number;
  readonly heartbeatMs: number;
  /** A replica whose heartbeat is older than this is dead: its fires and runs are taken over. */
  readonly replicaDeadMs: number;
  /** Live replicas (this one included) with their free runner slots, as of the last heartbeat. */
  replicas: Replica[];
  readonly plan: PlanOptions;
  /** The database's clock minus this process's clock, measured at start and every 30 s. */
  offsetMs: number;
  /** Claimed fires waiting for their instant (set by the holding part). */
  table: FireTable;
  /** Due fires waiting for a runner slot, oldest first from `waitHead`. */
  readonly waiting: ClaimedFire[];
  waitHead: number;
  readonly running: Map<string, RunningRun>;
  /** Runs in progress per task (overlap: skip). */
  readonly runningTasks: Map<string, number>;
  lastLagMs: number | null;
  ready: boolean;
  stopping: boolean;
  /** Called whenever a run ends (stop() waits on it). */
  onRunEnded: (() => void) | null;
  readonly timers: Set<TimerHandle>;
}

export function createState(opts: EngineOptions): EngineState {
  const { config } = opts;
  return {
    id: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    opts,
    events: createEngineEmitter(),
    leaseMs: config.leaseSeconds * 1000,
    windowMs: config.lookaheadMs,
    concurrency: config.runnerConcurrency,
    maxHeld: Math.max(config.runnerConcurrency * 2, 10),
    retryBaseMs: opts.retryBaseMs ?? 10_000,
    pollMs: opts.pollMs ?? 1_000,
    heartbeatMs: config.heartbeatMs,
    replicaDeadMs: config.replicaDeadMs,
    replicas: [],
    plan: { misfireAfterMs: opts.misfireAfterMs ?? 1_000, maxFiresPerTask: 100 },
    offsetMs: 0,
    table: undefined as unknown as FireTable,
    waiting: [],
    waitHead: 0,
    running: new Map(),
    runningTasks: new Map(),
    lastLagMs: null,
    ready: false,
    stopping: false,
    onRunEnded: null,
    timers: new Set(),
  };
}

/** The database's clock as seen from here: fires are armed and lateness measured on it. */
export function localNow(s: EngineState): number {
  return s.opts.clock.now().getTime() + s.offsetMs;
}

export function waitingCount(s: EngineState): number {
  return s.waiting.length - s.waitHead;
}

/** Stops a run this engine started: cancelled by a user, released at shutdown, or lost to another owner. */
export function abortRun(s: EngineState, executionId: string, reason: AbortReason): void {
  const r = s.running.get(executionId);
  if (!r || r.controller.signal.aborted) return;
  r.reason = reason;
  // A run still waiting for its start record stops waiting: it is not to start at all.
  r.recorded(false);
  r.controller.abort(new Error(reason));
}

/**
 * Runs `fn` every `ms` on the engine's clock until it stops; a pass still going when the next is
 * due is not doubled up, and a failed pass is logged, never thrown into the timer.
 */
export function every(s: EngineState, ms: number, job: PeriodicJob, fn: () => Promise<unknown>): void {
  const { clock, logger } = s.opts;
  let busy = false;
  const tick = () => {
    s.timers.delete(timer);
    if (s.stopping) return;
    timer = clock.setTimeout(tick, ms);
    s.timers.add(timer);
    if (busy) return;
    busy = true;
    fn()
      .catch((err) => logger.warn({ err: (err as Error).message }, `${job} failed`))
      .finally(() => {
        busy = false;
        s.events.emit('tick', job);
      });
  };
  let timer = clock.setTimeout(tick, ms);
  s.timers.add(timer);
}
