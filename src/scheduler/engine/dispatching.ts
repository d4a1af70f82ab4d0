// Dispatching: a due fire goes to the runner at once when a slot is free (no database round trip
// stands between its timer and the runner), unless its task is busy (overlap: skip) or it waits
// for its dependencies (wait.ts).
import { taskIsRunning } from '../../store/claims.ts';
import type { ClaimedFire } from '../claim.ts';
import { releaseQueued } from '../record.ts';
import { stillHolds } from '../replicas.ts';
import type { RunResult } from '../runner-port.ts';
import { ZERO_USAGE } from '../runner-port.ts';
import { gateFire } from '../wait.ts';
import type { FiredEvent } from './events.ts';
import type { Finishing } from './finishing.ts';
import type { Holding } from './holding.ts';
import { abortRun, type EngineState, localNow } from './state.ts';

export interface Dispatching {
  /** Fires whose instant came (from the fire table). */
  due(fires: ClaimedFire[]): void;
  /** Starts queued fires while runner slots are free. */
  pump(): void;
}

export function createDispatching(s: EngineState, holding: Holding, finishing: Finishing): Dispatching {
  const { logger } = s.opts;
  const pool = s.opts.db.pool;

  const release = (f: ClaimedFire) => void releaseQueued(pool, s.id, [f.executionId]).catch((err) => logger.warn({ err }, 'release failed'));

  function start(f: ClaimedFire): void {
    if (s.stopping) {
      release(f);
      return;
    }
    if (f.overlap === 'skip' && (s.runningTasks.get(f.taskId) ?? 0) > 0) {
      finishing.skip(f);
      return;
    }
    if (f.overlap === 'skip' && f.busyAtClaim) {
      // Another replica may still be running this task: ask the database (rare, off the hot path).
      void taskIsRunning(pool, f.taskId)
        .then((busy) => (busy ? finishing.skip(f) : admit({ ...f, busyAtClaim: false })))
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
    gateFire(pool, s.id, f).then(
      (d) => {
        if (d.kind === 'run' && s.stopping) release(f);
        else if (d.kind === 'run') startNow({ ...f, gated: false });
        else if (d.kind !== 'lost') s.events.emit(d.kind, f);
      },
      // Still ours and queued: the lease runs out and a replica claims it again (and checks again).
      (err) => logger.warn({ err: (err as Error).message, executionId: f.executionId }, 'dependency check failed; the fire will be re-claimed'),
    );
  }

  function startNow(f: ClaimedFire): void {
    const controller = new AbortController();
    const startedAt = localNow(s);
    let recorded: (ours: boolean) => void = () => undefined;
    const started = new Promise<boolean>((resolve) => {
      recorded = resolve;
    });
    // Registered before the runner's own wait on `started`, so it has run by the runner's first fence.
    let startedOurs = false;
    void started.then((ours) => {
      startedOurs = ours;
    });
    const t0 = performance.now();
    s.running.set(f.executionId, { fire: f, controller, startedAt, recorded });
    s.runningTasks.set(f.taskId, (s.runningTasks.get(f.taskId) ?? 0) + 1);
    s.lastLagMs = startedAt - f.scheduledFor;
    let result: Promise<RunResult>;
    try {
      result = s.opts.run({
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
        fence: async () => {
          // The start write proved this run ours and set its lease (as a fence does) after t0: for
          // half the dead threshold no takeover may touch it, so the first request of a fast run
          // needs no round trip of its own (that UPDATE per run was the database's largest cost).
          if (startedOurs && performance.now() - t0 < s.replicaDeadMs / 2 && s.running.has(f.executionId)) return true;
          const held = await stillHolds(pool, { id: f.executionId, owner: s.id, epoch: f.epoch, leaseMs: s.leaseMs });
          if (!held) abortRun(s, f.executionId, 'lost');
          return held;
        },
      });
    } catch (err) {
      result = Promise.reject(err);
    }
    finishing.recordStart({ id: f.executionId, epoch: f.epoch, startedAt, recorded });
    s.events.emit('fired', {
      executionId: f.executionId,
      taskId: f.taskId,
      scheduledFor: f.scheduledFor,
      startedAt,
      latenessMs: startedAt - f.scheduledFor,
      trigger: f.trigger,
    } satisfies FiredEvent);
    result.then(
      (r) => finishing.finish(f, r),
      (err) => {
        logger.error({ err, executionId: f.executionId }, 'runner threw; recording the run as failed');
        finishing.finish(f, { status: 'failed', error: { type: 'internal', message: 'the runner failed unexpectedly' }, transient: false, usage: ZERO_USAGE });
      },
    );
  }

  return {
    due(fires) {
      const t0 = performance.now();
      const late0 = localNow(s) - (fires[0]?.scheduledFor ?? 0);
      for (const f of fires) {
        if (s.running.size < s.concurrency && s.waiting.length === s.waitHead) start(f);
        else holding.enqueue(f);
      }
      logger.debug({ fires: fires.length, handOffMs: performance.now() - t0, firstLateMs: late0 }, 'due instant handed to the runner');
    },
    pump() {
      while (s.running.size < s.concurrency) {
        const f = holding.dequeue();
        if (!f) break;
        start(f);
      }
    },
  };
}
