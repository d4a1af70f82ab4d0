// Scheduled fires of tasks that also run after other tasks: at its instant a fire runs only if
// every dependency succeeded since the task last ran on them; otherwise it waits (status
// `waiting`, visible in the API) until they do (dependencies.ts releases it) or until its
// deadline, when any replica records it `skipped` with what it waited for.
import type pg from 'pg';
import { consumeEdges } from '../store/dependencies.ts';
import { expireWaits as expireWaitsBatch, lockHeldFire, lockPendingSuccesses, lockTask, markWaiting, setSatisfiedBy, skipFire, waitedMessage } from '../store/waits.ts';
import { withTx } from '../store/tx.ts';

export type GateDecision =
  /** Every dependency succeeded: the edges are consumed, start the run. */
  | { kind: 'run'; satisfiedBy: string[] }
  | { kind: 'waiting'; until: number }
  | { kind: 'skipped'; reason: string }
  /** The fire is no longer ours (cancelled, paused, taken over): do nothing. */
  | { kind: 'lost' };

/**
 * Decides, under the task's row lock, what a claimed scheduled fire of a task with dependencies
 * does at its instant; the fire must still be ours (owner, epoch, queued). One transaction.
 */
export async function gateFire(pool: pg.Pool, owner: string, fire: { executionId: string; taskId: string; epoch: number }): Promise<GateDecision> {
  return await withTx(pool, async (client): Promise<GateDecision> => {
    await lockTask(client, fire.taskId);
    const pending = await lockPendingSuccesses(client, fire.taskId);
    const held = await lockHeldFire(client, owner, fire);
    if (!held) return { kind: 'lost' };
    if (pending.every((p) => p !== null)) {
      const satisfiedBy = pending.filter((p) => p !== null);
      await setSatisfiedBy(client, fire.executionId, satisfiedBy);
      await consumeEdges(client, [fire.taskId]);
      return { kind: 'run', satisfiedBy };
    }
    if (held.otherWaiting) {
      // One fire waits at a time; a later one would only run on the same successes.
      const reason = `skipped: an earlier fire of this task (scheduled for ${new Date(held.otherWaiting).toISOString()}) is still waiting for its dependencies`;
      await skipFire(client, fire.executionId, reason);
      return { kind: 'skipped', reason };
    }
    if (held.due) {
      // waitSeconds 0 (or a late catch-up fire past its deadline): nothing to wait for.
      const reason = (await waitedMessage(client, fire.taskId)) ?? 'its dependencies did not succeed in time';
      await skipFire(client, fire.executionId, reason);
      return { kind: 'skipped', reason };
    }
    await markWaiting(client, fire.executionId, held.untilMs);
    return { kind: 'waiting', until: held.untilMs };
  });
}

/**
 * Records waiting fires past their deadline `skipped`, naming the dependencies that did not
 * succeed in time, e.g. `waited 3600 s for tasks 12 ("refresh"), 14 ("export") to succeed`.
 * Any replica may run it.
 */
export async function expireWaits(pool: pg.Pool, limit = 500): Promise<number> {
  return await expireWaitsBatch(pool, limit);
}
