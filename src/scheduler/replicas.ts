import type pg from 'pg';
import {
  type BeatRow,
  deleteHeartbeat,
  deleteReplicas,
  fenceRun,
  insertImmediateRetries,
  interruptRunsOf,
  lockDeadReplicas,
  markTasksInterrupted,
  notifyWork,
  ownersStillRunning,
  releaseQueuedOf,
  selectSameHostReplicas,
  upsertHeartbeat,
} from '../store/replicas.ts';
import { withTx } from '../store/tx.ts';
import { retriesOf } from './record.ts';

// Replica liveness: every engine heartbeats its row in scheduler_instances; a row not refreshed for
// `deadAfterMs` (the database's clock, as leases are) belongs to a dead replica, and whichever live
// replica notices first takes over what it held. The takeover changes owner, status or epoch of
// every execution it touches, so a replica that was only paused cannot record over it when it wakes,
// and the runner passes a fence (stillHolds) before each request it sends out, so it cannot call
// the model for a run it lost either.

/** What a heartbeat writes: the row of src/store/replicas.ts. */
export type Beat = BeatRow;

/** A live replica as the heartbeat table shows it. */
export interface Replica {
  id: string;
  /** Runner slots it had free at its last heartbeat. */
  free: number;
}

export interface BeatResult {
  /** The row was missing: another replica had declared this one dead (it was paused or cut off). */
  revived: boolean;
  /** Every replica alive by its heartbeat, this one included. */
  live: Replica[];
}

/** Refreshes this replica's row and reads which replicas are alive. */
export async function beat(pool: pg.Pool, b: Beat, deadAfterMs: number): Promise<BeatResult> {
  const rows = await upsertHeartbeat(pool, b, deadAfterMs);
  return { revived: rows[0]?.revived === true, live: rows.map((r) => ({ id: r.id, free: r.free })) };
}

/** Same-host replicas, for the start-up check of which of them are gone processes. */
export function sameHostReplicas(pool: pg.Pool, self: string, host: string): Promise<Array<{ id: string; pid: number }>> {
  return selectSameHostReplicas(pool, self, host);
}

export interface Takeover {
  replicas: string[];
  /** Runs of the dead replicas marked `interrupted` (each retried at once when attempts remain). */
  interrupted: number;
  retried: number;
  /** Fires they had claimed and not started, handed back to the pool. */
  released: number;
}

/**
 * Declares dead every replica whose heartbeat is older than `deadAfterMs`, plus `gone` (replicas of
 * this host whose process no longer exists), and takes over what they held in one transaction: their
 * runs become `interrupted` with an immediate retry, their unstarted fires go back to the pool
 * (claimed again with a bumped epoch; past their instant they meet the misfire policy). A run whose
 * lease was refreshed within `deadAfterMs` (its runner just passed the fence) is spared until it
 * goes quiet too; `replicas` lists only the replicas taken over entirely.
 */
export async function takeOverDead(pool: pg.Pool, opts: { self: string; deadAfterMs: number; leaseMs: number; gone?: string[] }): Promise<Takeover> {
  const gone = opts.gone ?? [];
  return withTx(pool, async (client) => {
    const dead = await lockDeadReplicas(client, opts.self, opts.deadAfterMs, gone);
    if (!dead.length) return { replicas: dead, interrupted: 0, retried: 0, released: 0 };
    const runs = await interruptRunsOf(client, dead, { leaseMs: opts.leaseMs, deadAfterMs: opts.deadAfterMs, gone });
    // A replica with a run fenced or renewed within the threshold is slow, not gone: its row stays
    // (still stale), so a later pass takes the rest once they too go quiet, or its next beat revives it.
    const busy = new Set(await ownersStillRunning(client, dead));
    const replicas = dead.filter((id) => !busy.has(id));
    await deleteReplicas(client, replicas);
    const retry = retriesOf(runs);
    await insertImmediateRetries(client, retry);
    await markTasksInterrupted(
      client,
      runs.map((r) => r.task_id),
    );
    const released = await releaseQueuedOf(client, dead);
    await notifyWork(client, '{"takeover":true}');
    return { replicas, interrupted: runs.length, retried: retry.length, released };
  });
}

/** Removes this replica's heartbeat row at a clean shutdown: nobody has to wait it out. */
export function forgetReplica(pool: pg.Pool, id: string): Promise<void> {
  return deleteHeartbeat(pool, id);
}

/**
 * The runner's fence (RunRequest.fence): whether this replica still holds the running execution,
 * checked against the database right before a request leaves the process.
 */
export function stillHolds(pool: pg.Pool, run: { id: string; owner: string; epoch: number; leaseMs: number }): Promise<boolean> {
  return fenceRun(pool, run);
}

/** Whether a process of this host still exists (EPERM: it exists, owned by someone else). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
