// The runner: what the engine calls for each claimed execution. It loads the task, runs the tool
// loop within its bounds, records the steps, and returns a RunResult. It never throws and never
// leaves a promise to reject unobserved: a bug becomes a failed run, not a dead process.
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { createLlm, type Llm } from '../llm/client.ts';
import type { Logger } from '../log.ts';
import { createPending } from '../pending.ts';
import type { Database } from '../models/db.ts';
import { type RunFn, type RunRequest, type RunResult, type RunUsage, type SendBacklog, yieldToSends, ZERO_USAGE } from '../scheduler/runner-port.ts';
import { type RunBounds, timeLimit } from './bounds.ts';
import { createSnapshotLoader, type TaskSnapshot } from './context.ts';
import { createLocalTime } from './local-time.ts';
import type { FetchDeps } from './http/net.ts';
import { systemFetchDeps } from './http/net.ts';
import { type LoopEnd, runLoop } from './loop.ts';
import { openingMessages } from './prompt.ts';
import { type RunSignal, runSignal } from './signal.ts';
import { createStepWriter, type StepLog } from './steps.ts';
import { TOOLS } from './tools/index.ts';
import type { Tool, ToolEnv } from './tools/types.ts';

export interface RunnerDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  config: Config;
  /** Default: createLlm(config.openai), built once and shared by every run. */
  llm?: Llm;
  /** DNS lookup and connect for http_fetch and webhooks (tests pin them to loopback). */
  fetchDeps?: FetchDeps;
  /** The tools tasks may select from. Default: every tool in the registry. */
  tools?: ReadonlyMap<string, Tool>;
}

/** How long an aborted run waits for its last steps to be written before returning. */
export const ABORT_FLUSH_MS = 250;

function settle(steps: StepLog, ms: number, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    steps.flush().then(
      () => {
        clock.clearTimeout(timer);
        resolve();
      },
      () => {
        clock.clearTimeout(timer);
        resolve();
      },
    );
  });
}

/** Builds the RunFn the engine calls: one shared LLM client, one registry, no per-run setup beyond the run. */
// The database was unreachable (restarting, failing over, a network blip): worth another attempt.
// Node's socket errors, and PostgreSQL's connection-exception (08…) and operator-intervention (57P…) classes.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
function databaseUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  return UNREACHABLE.has(code) || code.startsWith('08') || code.startsWith('57P') || /Connection terminated/i.test(String(e?.message ?? ''));
}

/** The runner, and its runs that have not sent their first request yet (a burst being started). */
export type Runner = RunFn & { backlog: SendBacklog };

export function createRunner(deps: RunnerDeps): Runner {
  const { config, logger, clock } = deps;
  const llm = deps.llm ?? createLlm(config.openai);
  const registry = deps.tools ?? TOOLS;
  const env: ToolEnv = {
    db: deps.db,
    clock,
    logger,
    config,
    http: { deps: deps.fetchDeps ?? systemFetchDeps, allowedHosts: config.runner.httpAllowedHosts },
  };
  const timeoutMs = config.runner.timeoutSeconds * 1000;
  const localTime = createLocalTime();
  const loadSnapshot = createSnapshotLoader(deps.db.pool);
  // Runs handed over whose first request has not been handed to the sender yet (they wait for their
  // start and snapshot), plus the requests the sender has not put on a connection: together, the
  // burst still to be sent. Steps and finishes wait for it (yieldToSends).
  const starting = createPending();
  const chat = llm.chat;
  const backlog: SendBacklog = {
    unsent: () => starting.size() + (chat?.unsent() ?? 0),
    async drained() {
      // Bounded: each pass waits for one of the two to empty; callers also bound the wait in time.
      for (let i = 0; i < 100 && backlog.unsent() > 0; i++) await (starting.size() > 0 ? starting.zero() : chat?.drained());
    },
  };
  const stepWriter = createStepWriter(deps.db.pool, { ready: () => yieldToSends(backlog, clock), clock });

  type Gate = Promise<[TaskSnapshot | null, boolean]> | null;
  /** What a run sets up once it may go: its time limit and its step log (absent before that). */
  type Setup = { run?: RunSignal; steps?: StepLog };

  async function attempt(req: RunRequest, gate: Gate, usage: RunUsage, ctl: Setup, deadline: number, sending: () => void): Promise<LoopEnd> {
    if (!gate || !llm.configured) {
      return { kind: 'failed', transient: false, error: { type: 'llm_not_configured', message: 'no language model is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)' } };
    }
    const { execution } = req;
    // No abort listener for this wait: the engine resolves `started` false when it aborts a run
    // before its start is recorded, and the snapshot query is one bounded round trip.
    const [task, ours] = await gate;
    if (!ours || req.signal.aborted) return { kind: 'interrupted' };
    const now = clock.now();
    const run = runSignal(req.signal, Math.max(0, deadline - now.getTime()), clock);
    ctl.run = run;
    const steps = stepWriter.log(execution.id);
    ctl.steps = steps;
    if (!task) return { kind: 'failed', transient: false, error: { type: 'task_not_found', message: 'the task no longer exists' } };
    const tools = new Map<string, Tool>();
    for (const name of task.tools) {
      const tool = registry.get(name);
      if (tool) tools.set(name, tool);
    }
    const bounds: RunBounds = {
      maxSteps: config.runner.maxSteps,
      timeoutMs,
      maxTokens: config.runner.maxTokens,
      monthly: task.monthlyTokenBudget === null ? null : { budget: task.monthlyTokenBudget, used: task.monthTokens },
    };
    const messages = openingMessages({
      taskName: task.name,
      instruction: task.prompt,
      timezone: task.timezone,
      now,
      local: localTime(now, task.timezone),
      memory: task.memory,
      previousOutput: task.previousOutput,
      toolNames: [...tools.keys()],
      run: execution,
    });
    sending();
    return await runLoop({
      client: llm.client,
      chat: llm.chat,
      model: task.model ?? llm.model,
      requestTimeoutMs: llm.timeoutMs,
      messages,
      tools,
      toolCtx: { env, task, execution, signal: run.signal, memory: new Map(task.memory), counters: new Map(), lastNotification: Promise.resolve(undefined) },
      steps,
      bounds,
      usage,
      deadline,
      signal: run.signal,
      now: () => clock.now(),
      ...(req.fence ? { fence: req.fence } : {}),
    });
  }

  /**
   * At hand-off only the snapshot request and the start gate are set up: nothing leaves this process
   * before the start is recorded as ours (in parallel with the load), and the run's own set-up (time
   * limit, step log, prompt) waits for those answers, so when thousands of fires start at one instant
   * the engine hands each over in a few microseconds and the set-up overlaps the database round trip.
   */
  function run(req: RunRequest): Promise<RunResult> {
    // On the clock (not performance.now()), as the time limit's timer is: a manual clock that moves
    // past the limit ends the run, and the loop's per-request timeout shrinks with it.
    const handedOver = clock.now();
    const deadline = handedOver.getTime() + timeoutMs;
    const sending = starting.add();
    const { execution } = req;
    const gate: Gate = llm.configured
      ? Promise.all([loadSnapshot({ taskId: execution.taskId, userId: execution.userId, executionId: execution.id }, handedOver), req.started ?? true])
      : null;
    if (!gate) return execute(req, null, deadline, sending);
    // The run's frames start once the gate settles (execute reads its outcome, failure included).
    const go = () => execute(req, gate, deadline, sending);
    return gate.then(go, go);
  }

  async function execute(req: RunRequest, gate: Gate, deadline: number, sending: () => void): Promise<RunResult> {
    const usage: RunUsage = { ...ZERO_USAGE };
    const snapshot = () => ({ ...usage });
    const ctl: Setup = {};
    const flush = () => ctl.steps?.flush();
    try {
      const end = await attempt(req, gate, usage, ctl, deadline, sending);
      if (end.kind === 'interrupted') {
        if (!ctl.run?.timedOut()) {
          if (ctl.steps) await settle(ctl.steps, ABORT_FLUSH_MS, clock);
          return { status: 'aborted', usage: snapshot() };
        }
        await flush();
        return { status: 'failed', error: timeLimit(timeoutMs).error, transient: false, usage: snapshot() };
      }
      await flush();
      if (end.kind === 'answer') return { status: 'succeeded', output: end.output, usage: snapshot() };
      return { status: 'failed', error: end.error, transient: end.transient, usage: snapshot(), ...(end.pauseTask ? { pauseTask: end.pauseTask } : {}) };
    } catch (err) {
      if (req.signal.aborted) return { status: 'aborted', usage: snapshot() };
      logger.error({ err, executionId: req.execution.id, taskId: req.execution.taskId }, 'run failed unexpectedly');
      if (ctl.steps) await settle(ctl.steps, ABORT_FLUSH_MS, clock);
      if (databaseUnreachable(err)) {
        return { status: 'failed', error: { type: 'database_unavailable', message: 'the database was unreachable during the run; it will be retried' }, transient: true, usage: snapshot() };
      }
      return { status: 'failed', error: { type: 'internal', message: 'the run failed because of an internal error; the server log has the details' }, transient: false, usage: snapshot() };
    } finally {
      sending();
      ctl.run?.dispose();
    }
  }

  return Object.assign(run, { backlog });
}
