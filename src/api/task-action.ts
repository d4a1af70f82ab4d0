// A task's action at the API edge: checked before the task is saved (an amqp exchange must exist,
// or be declared), and saved with a fresh worker token that is shown once and kept as a hash.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { TaskAction } from '../actions/action.ts';
import { AppError, ValidationError } from '../errors.ts';
import { setTaskAction } from '../store/task-actions.ts';
import type { AppDeps } from './deps.ts';

export const hashWorkerToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Throws a 422 naming the field when `action` cannot work here, 503 when the broker cannot be asked. */
export async function checkAction(deps: Pick<AppDeps, 'amqp'>, action: TaskAction | undefined): Promise<void> {
  if (action?.kind !== 'amqp') return;
  if (!deps.amqp) throw new ValidationError('action: this server has no AMQP_URL, so it cannot publish to RabbitMQ', [{ path: 'action.kind', message: 'amqp needs AMQP_URL on the server' }]);
  let exists: boolean;
  try {
    exists = await deps.amqp.ensureExchange(action.exchange, action.declare === true);
  } catch (err) {
    throw new AppError(503, 'broker_unreachable', 'the broker could not be asked whether the exchange exists; try again', { cause: err, expose: true });
  }
  if (!exists) {
    throw new ValidationError(`action.exchange: no exchange ${JSON.stringify(action.exchange)} on the broker (create it, or pass declare: true)`, [
      { path: 'action.exchange', message: 'no such exchange on the broker' },
    ]);
  }
}

/**
 * Saves the action of a task. An amqp task gets a new worker token when it has none yet (or
 * `rotate`): the token is returned here and never again.
 */
export async function saveAction(pool: pg.Pool, taskId: string, action: TaskAction, opts: { hasToken: boolean; rotate?: boolean }): Promise<string | null> {
  const worker = action.kind === 'amqp' && (!opts.hasToken || opts.rotate) ? newWorkerToken() : null;
  await setTaskAction(pool, taskId, action, worker?.hash ?? null);
  return worker?.token ?? null;
}

/** A fresh worker token and the hash the task keeps of it. */
export function newWorkerToken(): { token: string; hash: string } {
  const token = `tkw_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashWorkerToken(token) };
}
