// Statements on one execution as the API sees it: reading it with its steps, and cancelling it.
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { Execution } from '../models/execution.ts';
import { ExecutionStep } from '../models/execution-step.ts';
import { CHANNELS } from '../models/notify.ts';
import { pgNotify } from './notify.ts';

/** One of the user's executions, or null (unknown, or another user's). */
export async function findExecution(em: EntityManager, userId: string, id: string): Promise<Execution | null> {
  return await em.findOne(Execution, { id, userId });
}

/** Re-reads an execution the entity manager already holds (after a statement on another connection changed it). */
export async function reloadExecution(em: EntityManager, x: Execution): Promise<void> {
  await em.refresh(x);
}

/** An execution's steps in the order they happened. */
export async function listSteps(em: EntityManager, executionId: string): Promise<ExecutionStep[]> {
  return await em.find(ExecutionStep, { executionId }, { orderBy: { index: 'asc' } });
}

/**
 * Cancels a queued or running execution and tells its owner (NOTIFY, delivered on commit) to abort
 * the run; false when it had already finished. The owner's later attempt to record a result is
 * fenced on status, so it cannot undo this.
 */
export async function cancelExecution(db: pg.ClientBase, id: string): Promise<boolean> {
  const { rows } = await db.query(
    `update executions set status = 'cancelled', finished_at = now(), lease_until = null,
            error = '{"type":"cancelled","message":"cancelled by the user"}'::jsonb
      where id = $1 and status in ('queued', 'running') returning id`,
    [id],
  );
  if (rows.length) await pgNotify(db, CHANNELS.cancel, { id });
  return rows.length > 0;
}
