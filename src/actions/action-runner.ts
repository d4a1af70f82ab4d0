// The seam between the engine and a task's action: the engine hands every claimed execution to
// this RunFn, which sends llm tasks to the LLM runner, writes amqp fires to the outbox (the
// execution turns `dispatched` in the same transaction) and POSTs http fires. Never throws.
import type { Logger } from '../log.ts';
import type { Database } from '../models/db.ts';
import type { Clock } from '../clock.ts';
import type { GuardOptions } from '../runner/http/client.ts';
import type { RunFn, RunRequest, RunResult } from '../scheduler/runner-port.ts';
import { ZERO_USAGE } from '../scheduler/runner-port.ts';
import { type Dispatch, dispatchExecutions } from '../store/outbox.ts';
import { actionsOfTasks } from '../store/task-actions.ts';
import { sendSignedPost } from '../webhooks/send.ts';
import { fireBody, LLM_ACTION, type TaskAction } from './action.ts';
import type { AmqpPublisher } from './amqp-publisher.ts';
import { groupCommitted } from '../models/group-commit.ts';

export interface ActionRunnerDeps {
  db: Database;
  logger: Logger;
  /** The LLM runner, for `llm` tasks. */
  llm: RunFn;
  /** Absent without AMQP_URL: amqp fires then fail (not retried) saying so. */
  publisher?: AmqpPublisher | undefined;
  /** The SSRF guard's network and allow-list for http actions. */
  http: GuardOptions;
  clock: Clock;
  httpTimeoutMs?: number;
}

// The run was taken from us (cancelled, fenced, shut down): nothing to record as our outcome.
const aborted = (): RunResult => ({ status: 'aborted', usage: { ...ZERO_USAGE } });
const failed = (type: string, message: string, transient: boolean): RunResult => ({ status: 'failed', error: { type, message }, transient, usage: { ...ZERO_USAGE } });

export function createActionRunner(deps: ActionRunnerDeps): RunFn {
  const { db, logger } = deps;
  // Both per-fire statements are grouped: the fires of one instant share their round trips. The
  // lookup stands before every run's own start, so an instant's fires take one (a read by ids, ~10 ms
  // for 10,000): in batches of 1,000, one after another, the last of 10,000 runs was handed to the LLM
  // runner ~0.6 s after the first.
  const actionOf = groupCommitted<string, TaskAction>(async (taskIds) => {
    const found = await actionsOfTasks(db.pool, taskIds);
    return (id) => found.get(id) ?? LLM_ACTION;
  }, 20_000);
  const dispatch = groupCommitted<Dispatch, boolean>(async (items) => {
    const ours = await dispatchExecutions(db.pool, items);
    return (item) => ours.has(item.executionId);
  });

  async function amqp(req: RunRequest, action: Extract<TaskAction, { kind: 'amqp' }>): Promise<RunResult> {
    if (!deps.publisher) return failed('amqp_not_configured', 'this task publishes to RabbitMQ but AMQP_URL is not set on the scheduler', false);
    const x = req.execution;
    const ours = await dispatch({ executionId: x.id, epoch: x.epoch, exchange: action.exchange, routingKey: action.routingKey, headers: action.headers ?? {}, body: fireBody(action, x) });
    if (!ours) return aborted();
    deps.publisher.kick();
    return { status: 'dispatched', usage: { ...ZERO_USAGE } };
  }

  async function http(req: RunRequest, action: Extract<TaskAction, { kind: 'http' }>): Promise<RunResult> {
    const x = req.execution;
    // Signed and guarded as run webhooks are; the delivery id is the execution's, so a receiver
    // can drop a repeat of the same attempt (each retry is an execution of its own).
    const sent = await sendSignedPost(
      { url: action.url, secret: action.secret, body: JSON.stringify(fireBody(action, x)), deliveryId: `execution-${x.id}` },
      { http: deps.http, clock: deps.clock, signal: req.signal, timeoutMs: deps.httpTimeoutMs ?? 10_000 },
    );
    if (sent.outcome === 'delivered') return { status: 'succeeded', output: `POST ${action.url}: HTTP ${sent.responseStatus}`, usage: { ...ZERO_USAGE } };
    if (req.signal.aborted) return aborted();
    if (sent.outcome === 'refused') return failed('http_refused', sent.error, false);
    // As for LLM calls: a network failure, 429 or 5xx is worth another attempt, other answers are final.
    return failed(sent.responseStatus === null ? 'http_network' : 'http_status', `POST ${action.url}: ${sent.error}`, sent.outcome === 'retry');
  }

  return async (req) => {
    try {
      if (req.execution.systemJob) return await deps.llm(req);
      const action = await actionOf(req.execution.taskId);
      if (action.kind === 'llm') return await deps.llm(req);
      // Nothing leaves this process before the start is recorded as ours.
      if (!(await (req.started ?? true))) return aborted();
      if (req.execution.dryRun) return { status: 'succeeded', output: `dry run: would ${action.kind === 'amqp' ? `publish to ${action.exchange}` : `POST to ${action.url}`}`, usage: { ...ZERO_USAGE } };
      if (action.kind === 'amqp') return await amqp(req, action);
      if (action.kind === 'http') return await http(req, action);
      // A stored action of no known kind must fail loudly, not fall through to another action's path.
      logger.error({ executionId: req.execution.id, action }, 'task has an action of unknown kind');
      return failed('action_invalid', "the task's stored action has no known kind", false);
    } catch (err) {
      logger.error({ err, executionId: req.execution.id }, 'action failed unexpectedly');
      return failed('internal', 'the action failed because of an internal error; the server log has the details', true);
    }
  };
}
