import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Database } from '../models/db.ts';
import { CHANNELS } from '../models/notify.ts';
import { type Batcher, createBatcher } from './batcher.ts';
import { type ClaimedFire, claimDueTasks, claimQueued } from './claim.ts';
import { sweepDependencies, triggerDependents } from './dependencies.ts';
import { FireTable } from './dispatch.ts';
import { type Listener, listen } from './listener.ts';
import { type Finish, recordFinishes, recordSkips, recordStarts, releaseQueued, renewLeases, sweepOrphans } from './record.ts';
import type { RunFn, RunResult } from './runner-port.ts';
import { ZERO_USAGE } from './runner-port.ts';
import { startupSync } from './sync.ts';
import { expireWaits, gateFire } from './wait.ts';

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
}

export interface FiredEvent {
  executionId: string;
  taskId: string;
  scheduledFor: number;
  startedAt: number;
  latenessMs: number;
  trigger: ClaimedFire['trigger'];
}

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
  readonly events: EventEmitter;
  start(): Promise<void>;
  /** Stops claiming, lets runs finish within the grace period, then releases what is left. */
  stop(graceMs?: number): Promise<void>;
  isReady(): boolean;
  stats(): EngineStats;
  /** Runs a claim round now (tests and benchmarks; notifications do this in production). */
  poke(): Promise<void>;
}

const CLAIM_BATCH = 1000;
const MAX_RETRY_DELAY_MS = 10 * 60_000;

/** The firing loop: claim ahead, fire from memory, record in batches. See ARCHITECTURE.md. */
export function createEngine(opts: EngineOptions): Engine {
  const { db, logger, config } = opts;
  const pool = db.pool;
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const leaseMs = config.leaseSeconds * 1000;
  const windowMs = config.lookaheadMs;
  const concurrency = config.runnerConcurrency;
  // A replica claims no more than it can start soon, so the others get the rest.
  const maxHeld = Math.max(concurrency * 2, 10);
  const retryBaseMs = opts.retryBaseMs ?? 10_000;
  const pollMs = opts.pollMs ?? 1_000;
  const planOpts = { misfireAfterMs: opts.misfireAfterMs ?? 1_000, maxFiresPerTask: 100 };

  let offsetMs = 0;
  const localNow = () => opts.clock.now().getTime() + offsetMs;
  const table = new FireTable((fires) => onDue(fires), localNow);
  const waiting: ClaimedFire[] = [];
  let waitHead = 0;
  const running = new Map<
    string,
    { fire: ClaimedFire; controller: AbortController; startedAt: number; recorded: (ours: boolean) => void; reason?: 'cancelled' | 'released' | 'lost' }
  >();
  const runningTasks = new Map<string, number>();
  let lastLagMs: number | null = null;
  let ready = false;
  let stopping = false;
  let listener: Listener | undefined;
  const timers: NodeJS.Timeout[] = [];

  const starts: Batcher<{ id: string; epoch: number; startedAt: number; recorded: (ours: boolean) => void }> = createBatcher({
    name: 'starts',
    logger,
    delayMs: 0,
    maxBatch: 2000,
    write: async (items) => {
      const notOurs = await recordStarts(pool, id, leaseMs, items);
      for (const x of items) x.recorded(!notOurs.has(x.id));
      for (const x of notOurs) abortRun(x, 'lost');
    },
  });
  const finishes: Batcher<Finish> = createBatcher({
    name: 'finishes',
    logger,
    delayMs: 2,
    maxBatch: 1000,
    write: async (items) => {
      // A run can finish before its start was written: write starts first, in order.
      await starts.flush();
      const { tasks, dependents } = await recordFinishes(pool, id, items);
      for (const t of tasks) if (t.paused) for (const f of table.dropTask(t.taskId)) events.emit('dropped', f);
      events.emit('recorded', items);
      // The successes are committed on the edges: a failure here is only late, the sweep triggers them.
      if (dependents.length) {
        await triggerDependents(pool, dependents).then(
          (r) => events.emit('dependents', { ...r, checked: dependents }),
          (err) => logger.warn({ err: (err as Error).message }, 'triggering dependents failed; the dependency sweep will'),
        );
      }
    },
  });
  const skips: Batcher<{ id: string; epoch: number }> = createBatcher({
    name: 'skips',
    logger,
    delayMs: 2,
    maxBatch: 1000,
    write: (items) => recordSkips(pool, id, items),
  });

  function abortRun(executionId: string, reason: 'cancelled' | 'released' | 'lost'): void {
    const r = running.get(executionId);
    if (!r || r.controller.signal.aborted) return;
    r.reason = reason;
    // A run still waiting for its start record stops waiting: it is not to start at all.
    r.recorded(false);
    r.controller.abort(new Error(reason));
  }

  function onDue(fires: ClaimedFire[]): void {
    const t0 = performance.now();
    const late0 = localNow() - (fires[0]?.scheduledFor ?? 0);
    for (const f of fires) {
      if (running.size < concurrency && waiting.length === waitHead) start(f);
      else waiting.push(f);
    }
    logger.debug({ fires: fires.length, handOffMs: performance.now() - t0, firstLateMs: late0 }, 'due instant handed to the runner');
  }

  function pump(): void {
    while (running.size < concurrency && waitHead < waiting.length) {
      const f = waiting[waitHead] as ClaimedFire;
      waiting[waitHead++] = undefined as unknown as ClaimedFire;
      start(f);
    }
    if (waitHead > 1024 && waitHead * 2 > waiting.length) {
      waiting.splice(0, waitHead);
      waitHead = 0;
    }
  }

  function start(f: ClaimedFire): void {
    if (stopping) {
      void releaseQueued(pool, id, [f.executionId]).catch((err) => logger.warn({ err }, 'release failed'));
      return;
    }
    if (f.overlap === 'skip' && (runningTasks.get(f.taskId) ?? 0) > 0) {
      skips.add({ id: f.executionId, epoch: f.epoch });
      events.emit('skipped', f);
      return;
    }
    if (f.overlap === 'skip' && f.busyAtClaim) {
      // Another replica may still be running this task: ask the database (rare, off the hot path).
      void pool
        .query<{ busy: boolean }>(`select exists (select 1 from executions where task_id = $1 and status = 'running') as busy`, [f.taskId])
        .then(({ rows }) => {
          if (rows[0]?.busy) {
            skips.add({ id: f.executionId, epoch: f.epoch });
            events.emit('skipped', f);
          } else {
            admit({ ...f, busyAtClaim: false });
          }
        })
        .catch(() => admit({ ...f, busyAtClaim: false }));
      return;
    }
    admit(f);
  }

  /** Starts a fire, unless it is a scheduled fire whose dependencies have not all succeeded (wait.ts). */
  function admit(f: ClaimedFire): void {
    if (!f.gated) {
      startNow(f);
      return;
    }
    // One transaction, only for tasks that have dependencies: the common path stays free of it.
    gateFire(pool, id, f).then(
      (d) => {
        if (d.kind === 'run' && stopping) void releaseQueued(pool, id, [f.executionId]).catch((err) => logger.warn({ err }, 'release failed'));
        else if (d.kind === 'run') startNow({ ...f, gated: false });
        else if (d.kind !== 'lost') events.emit(d.kind, f);
      },
      // Still ours and queued: the lease runs out and a replica claims it again (and checks again).
      (err) => logger.warn({ err: (err as Error).message, executionId: f.executionId }, 'dependency check failed; the fire will be re-claimed'),
    );
  }

  function startNow(f: ClaimedFire): void {
    const controller = new AbortController();
    const startedAt = localNow();
    let recorded: (ours: boolean) => void = () => undefined;
    const started = new Promise<boolean>((resolve) => {
      recorded = resolve;
    });
    running.set(f.executionId, { fire: f, controller, startedAt, recorded });
    runningTasks.set(f.taskId, (runningTasks.get(f.taskId) ?? 0) + 1);
    lastLagMs = startedAt - f.scheduledFor;
    let result: Promise<RunResult>;
    try {
      result = opts.run({
        execution: {
          id: f.executionId,
          taskId: f.taskId,
          userId: f.userId,
          attempt: f.attempt,
          trigger: f.trigger,
          scheduledFor: new Date(f.scheduledFor),
          epoch: f.epoch,
          dryRun: f.dryRun,
          systemJob: f.systemJob,
        },
        signal: controller.signal,
        started,
      });
    } catch (err) {
      result = Promise.reject(err);
    }
    starts.add({ id: f.executionId, epoch: f.epoch, startedAt, recorded });
    events.emit('fired', {
      executionId: f.executionId,
      taskId: f.taskId,
      scheduledFor: f.scheduledFor,
      startedAt,
      latenessMs: startedAt - f.scheduledFor,
      trigger: f.trigger,
    } satisfies FiredEvent);
    result.then(
      (r) => finish(f, r),
      (err) => {
        logger.error({ err, executionId: f.executionId }, 'runner threw; recording the run as failed');
        finish(f, { status: 'failed', error: { type: 'internal', message: 'the runner failed unexpectedly' }, transient: false, usage: ZERO_USAGE });
      },
    );
  }

  function retryDelay(attempt: number): number {
    const base = Math.min(retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  function finish(f: ClaimedFire, r: RunResult): void {
    const entry = running.get(f.executionId);
    running.delete(f.executionId);
    const n = (runningTasks.get(f.taskId) ?? 1) - 1;
    if (n > 0) runningTasks.set(f.taskId, n);
    else runningTasks.delete(f.taskId);
    const now = localNow();
    const base = { id: f.executionId, epoch: f.epoch, finishedAt: now, usage: r.usage, pauseReason: null, output: null, error: null, retryAt: null };
    let rec: Finish | null = null;
    if (r.status === 'succeeded') {
      rec = { ...base, status: 'succeeded', output: r.output };
    } else if (r.status === 'failed') {
      const retry = r.transient && f.attempt < f.maxAttempts;
      rec = { ...base, status: 'failed', error: r.error, retryAt: retry ? now + retryDelay(f.attempt) : null, pauseReason: r.pauseTask ?? null };
    } else if (entry?.reason === 'released') {
      // Shutdown outlasted the grace period: hand the run to whoever is up, as a fresh attempt.
      rec = {
        ...base,
        status: 'interrupted',
        error: { type: 'released', message: 'the scheduler shut down before this run finished; it was retried' },
        retryAt: now,
      };
    }
    // 'cancelled' and 'lost' runs are not ours to record: the database already says what happened.
    if (rec) finishes.add(rec);
    events.emit('finished', { fire: f, result: r });
    pump();
  }

  async function claimRound(): Promise<void> {
    let room = maxHeld - (table.size + (waiting.length - waitHead) + running.size);
    while (room > 0 && !stopping) {
      const limit = Math.min(CLAIM_BATCH, room);
      const r = await claimDueTasks(pool, { owner: id, windowMs, leaseMs, limit, plan: planOpts });
      for (const f of r.fires) table.add(f);
      if (r.missed) events.emit('missed', r.missed);
      room -= r.fires.length;
      if (r.examined < limit) break;
    }
    if (room > 0 && !stopping) {
      const queued = await claimQueued(pool, { owner: id, windowMs, leaseMs, limit: Math.min(CLAIM_BATCH, room) });
      for (const f of queued) table.add(f);
    }
    if (room > 0) await armWake();
  }

  // Wake up exactly when the earliest unclaimed fire enters the window, so a fire created just
  // outside it is not left to the next poll (one index probe: the first entry of tasks_due).
  let wakeTimer: NodeJS.Timeout | undefined;
  async function armWake(): Promise<void> {
    const { rows } = await pool.query<{ ms: number | null }>(
      `select (extract(epoch from min(t.next_run_at)) * 1000)::float8 as ms from tasks t where t.enabled and t.next_run_at is not null`,
    );
    const next = rows[0]?.ms;
    clearTimeout(wakeTimer);
    if (next == null || stopping) return;
    const delay = next - windowMs - localNow();
    if (delay > 0 && delay < 24 * 3_600_000) {
      wakeTimer = setTimeout(() => void requestClaim(), delay + 1);
      wakeTimer.unref();
    }
  }

  // Claim rounds never overlap; a request during a round runs one more round after it.
  let claiming: Promise<void> | null = null;
  let again = false;
  function requestClaim(): Promise<void> {
    if (!ready || stopping) return Promise.resolve();
    if (claiming) {
      again = true;
      return claiming;
    }
    claiming = (async () => {
      do {
        again = false;
        try {
          await claimRound();
        } catch (err) {
          logger.warn({ err: (err as Error).message }, 'claim round failed; will retry');
          await opts.clock.sleep(200);
        }
      } while (again && !stopping);
    })().finally(() => {
      claiming = null;
    });
    return claiming;
  }

  function onNotify(channel: string, payload: string): void {
    let msg: { id?: string; op?: string } = {};
    try {
      msg = JSON.parse(payload);
    } catch {
      // a wake-up call without details is still a wake-up call
    }
    if (channel === CHANNELS.cancel && msg.id) {
      table.drop(msg.id);
      abortRun(msg.id, 'cancelled');
      return;
    }
    if (channel === CHANNELS.tasks && msg.id && (msg.op === 'deleted' || msg.op === 'paused' || msg.op === 'rescheduled')) {
      for (const f of table.dropTask(msg.id)) events.emit('dropped', f);
      if (msg.op === 'deleted') for (const [xid, r] of running) if (r.fire.taskId === msg.id) abortRun(xid, 'cancelled');
    }
    void requestClaim();
  }

  async function measureOffset(): Promise<void> {
    let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const { rows } = await pool.query<{ now: number }>('select (extract(epoch from clock_timestamp()) * 1000)::float8 as now');
      const t1 = Date.now();
      if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: (rows[0] as { now: number }).now - (t0 + t1) / 2 };
    }
    const local = opts.clock.now().getTime() - Date.now();
    const next = best.offset - local;
    const moved = Math.abs(next - offsetMs) > 5;
    offsetMs = next;
    if (moved) table.rearm();
  }

  async function heartbeat(): Promise<void> {
    await pool.query(
      `insert into scheduler_instances (id, host, pid, mode, running, queued, last_lag_ms) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (id) do update set last_seen = now(), running = excluded.running, queued = excluded.queued, last_lag_ms = excluded.last_lag_ms`,
      [id, hostname(), process.pid, opts.mode ?? 'all', running.size, table.size + waiting.length - waitHead, lastLagMs === null ? null : Math.round(lastLagMs)],
    );
  }

  async function renew(): Promise<void> {
    const held = [...table.ids(), ...waiting.slice(waitHead).map((f) => f.executionId), ...running.keys()];
    const lost = await renewLeases(pool, id, leaseMs, held);
    for (const x of lost) {
      table.drop(x);
      abortRun(x, 'lost');
    }
  }

  function every(ms: number, what: string, fn: () => Promise<unknown>): void {
    let busy = false;
    const t = setInterval(() => {
      if (busy || stopping) return;
      busy = true;
      fn()
        .catch((err) => logger.warn({ err: (err as Error).message }, `${what} failed`))
        .finally(() => {
          busy = false;
        });
    }, ms);
    timers.push(t);
  }

  return {
    id,
    events,
    isReady: () => ready,
    stats: () => ({ id, held: table.size, waiting: waiting.length - waitHead, running: running.size, lastLagMs, clockOffsetMs: offsetMs }),
    poke: () => requestClaim(),
    async start() {
      await measureOffset();
      await heartbeat();
      listener = listen({
        url: db.url,
        channels: [CHANNELS.tasks, CHANNELS.work, CHANNELS.cancel],
        logger,
        onNotify,
        onConnect: () => void requestClaim(),
      });
      const synced = await startupSync(pool, { owner: id, leaseMs, retryDelayMs: retryBaseMs, plan: planOpts, logger });
      logger.info({ engine: id, ...synced }, 'start-up sync done');
      ready = true;
      every(pollMs, 'claim poll', () => requestClaim());
      every(Math.max(1_000, Math.floor(leaseMs / 3)), 'lease renewal', renew);
      every(Math.max(1_000, Math.floor(leaseMs / 2)), 'orphan sweep', () => sweepOrphans(pool, retryBaseMs));
      every(Math.max(1_000, Math.floor(leaseMs / 2)), 'dependency sweep', () => sweepDependencies(pool));
      every(1_000, 'wait expiry', () => expireWaits(pool));
      every(5_000, 'heartbeat', heartbeat);
      every(30_000, 'clock offset', measureOffset);
      await requestClaim();
    },
    async stop(graceMs = config.shutdownGraceSeconds * 1000) {
      if (stopping) return;
      stopping = true;
      for (const t of timers) clearInterval(t);
      clearTimeout(wakeTimer);
      await claiming;
      await listener?.close();
      // Fires not started yet go back to the pool at once; other replicas take them.
      const unstarted = [...table.clear(), ...waiting.slice(waitHead)];
      waiting.length = 0;
      waitHead = 0;
      await releaseQueued(pool, id, unstarted.map((f) => f.executionId)).catch((err) => logger.error({ err }, 'releasing fires failed'));
      const deadline = Date.now() + graceMs;
      while (running.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const xid of running.keys()) abortRun(xid, 'released');
      const until = Date.now() + 5_000;
      while (running.size && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await starts.close();
      await finishes.close();
      await skips.close();
      await pool.query('delete from scheduler_instances where id = $1', [id]).catch(() => undefined);
      ready = false;
    },
  };
}
