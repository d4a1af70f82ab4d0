// Tasks that run after other tasks: how a success reaches the tasks waiting for it, exactly once.
//
// Each edge (task D runs after A) holds `pending_success_id`: A's latest success that D has not
// consumed yet. A success is written on the edges in the same transaction that records it
// (markSuccesses, from recordFinishes), so no crash can lose it. D's join is satisfied when every
// edge of D holds one. Whoever then triggers D (triggerDependents, after a finish or from the
// sweep, on any replica) does it under D's row lock and consumes the edges in the same
// transaction: the first one in sees the join satisfied and empties it, everyone after sees it
// empty. So one success of the last dependency starts D once, whichever replica sees it.
import type pg from 'pg';
import { CHANNELS } from '../models/notify.ts';
import { consumeEdges, findSatisfiedJoins, insertDependencyRuns, lockEdgesOf, lockJoinCandidates, type PendingEdge, releaseWaitingFires } from '../store/dependencies.ts';
import { notifyChannel } from '../store/pg-notify.ts';
import { withTx } from '../store/tx.ts';

export { markSuccesses } from '../store/dependencies.ts';

export interface TriggerResult {
  /** New `dependency` executions of tasks without a schedule. */
  triggered: number;
  /** Waiting fires of scheduled tasks, now queued. */
  released: number;
}

/**
 * For each task in `taskIds` whose join is satisfied: a task without a schedule gets a new
 * execution (trigger `dependency`), a scheduled task's waiting fire is released (queued); either
 * records the satisfying executions and consumes the edges. A scheduled task with no waiting
 * fire is left alone: its successes stay pending until its next fire (see wait.ts). One
 * transaction; tasks are locked in id order, edges in key order.
 */
export async function triggerDependents(pool: pg.Pool, taskIds: readonly string[]): Promise<TriggerResult> {
  if (taskIds.length === 0) return { triggered: 0, released: 0 };
  return await withTx(pool, async (client) => {
    const tasks = await lockJoinCandidates(client, taskIds);
    // Read after the task locks: every success committed before them is visible here.
    const edges = await lockEdgesOf(
      client,
      tasks.map((t) => t.id),
    );
    const byTask = new Map<string, PendingEdge[]>();
    for (const e of edges) byTask.set(e.taskId, [...(byTask.get(e.taskId) ?? []), e]);
    const ready = tasks.filter((t) => {
      const es = byTask.get(t.id);
      return t.enabled && es?.length && es.every((e) => e.pending !== null);
    });
    if (ready.length === 0) return { triggered: 0, released: 0 };
    const satisfied = (id: string) => JSON.stringify((byTask.get(id) ?? []).map((e) => e.pending));
    // The oldest waiting fire of each task goes first; a second one cannot exist (wait.ts skips it).
    const releasedIds = new Set(
      await releaseWaitingFires(
        client,
        ready.map((t) => t.id),
        ready.map((t) => satisfied(t.id)),
      ),
    );
    const joins = ready.filter((t) => t.joinOnly && !releasedIds.has(t.id));
    // On the (practically impossible) clash of a trigger instant with another execution of the
    // task nothing is inserted or consumed, and the sweep tries again later.
    const inserted = await insertDependencyRuns(
      client,
      joins.map((t) => ({ taskId: t.id, userId: t.userId, satisfied: satisfied(t.id) })),
    );
    const consumed = [...releasedIds, ...inserted];
    if (consumed.length) {
      await consumeEdges(client, consumed);
      await notifyChannel(client, CHANNELS.work, '{"dependency":true}');
    }
    return { triggered: inserted.length, released: releasedIds.size };
  });
}

/**
 * The safety net: finds satisfied joins nobody triggered (a replica died between recording a
 * success and triggering its dependents, or the task was resumed after its dependencies
 * succeeded) and triggers them.
 */
export async function sweepDependencies(pool: pg.Pool, limit = 500): Promise<TriggerResult> {
  return await triggerDependents(pool, await findSatisfiedJoins(pool, limit));
}
