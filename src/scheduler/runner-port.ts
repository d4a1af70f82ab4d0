import type { Clock, TimerHandle } from '../clock.ts';
import type { ExecutionError, Trigger } from '../models/execution.ts';

/**
 * What the engine hands the runner: one claimed execution. The runner loads the task itself,
 * records its steps as they happen, and returns the outcome; the engine records the terminal
 * status (fenced by `epoch`), retries, and updates the task. The runner never throws.
 */
export interface RunRequest {
  execution: {
    id: string;
    taskId: string;
    userId: string;
    attempt: number;
    trigger: Trigger;
    scheduledFor: Date;
    epoch: number;
    dryRun: boolean;
    /** Set for a system job (src/scheduler/system-jobs.ts): its declared name. */
    systemJob?: string | null;
  };
  /** Aborted on cancel, on shutdown past the grace period, or when the task is paused/deleted. */
  signal: AbortSignal;
  /**
   * Resolves once the start is recorded: true if this replica still owns the execution, false if
   * another took it over meanwhile (its lease ran out while the database was unreachable). The runner
   * produces no side effect before it resolves true, so a fire never runs twice. Also resolves false
   * when the run is aborted before its start is recorded.
   */
  started?: Promise<boolean>;
  /**
   * The fence: resolves true if this replica still holds the run, checked against the database
   * (and holding it for the dead threshold). The runner awaits it right before each request that
   * leaves the process (an LLM call) and stops, sending nothing, on false — a replica that was only
   * slow, and was taken over meanwhile, does not call the model for a run retried elsewhere. It
   * rejects when the database cannot answer (the run then fails as transient and is retried).
   */
  fence?: () => Promise<boolean>;
}

export interface RunUsage {
  promptTokens: number;
  completionTokens: number;
  llmCalls: number;
  toolCalls: number;
}

export type RunResult =
  | { status: 'succeeded'; output: string; usage: RunUsage }
  | {
      status: 'failed';
      error: ExecutionError;
      /** Worth retrying (LLM 429/5xx/timeout/network): the engine schedules another attempt. */
      transient: boolean;
      usage: RunUsage;
      /** Pause the task with this reason (e.g. its monthly token budget is spent). */
      pauseTask?: string;
    }
  /** Handed to a broker: the action recorded the execution `dispatched` itself (fenced), nothing for the engine to write. */
  | { status: 'dispatched'; usage: RunUsage }
  /** The signal fired: cancelled by the user, or released at shutdown. */
  | { status: 'aborted'; usage: RunUsage };

export type RunFn = (req: RunRequest) => Promise<RunResult>;

export const ZERO_USAGE: RunUsage = Object.freeze({ promptTokens: 0, completionTokens: 0, llmCalls: 0, toolCalls: 0 });

/**
 * The runs' requests waiting for a connection to the LLM endpoint (src/llm/chat.ts): while a burst of
 * fires is being sent, there are some.
 */
export interface SendBacklog {
  unsent(): number;
  /** Resolves when none waits. */
  drained(): Promise<void>;
}

/** How long a write that can wait (a finish, a step) lets a burst's requests go first, at most. */
export const YIELD_TO_SENDS_MS = 1_000;

/**
 * Waits while runs' requests wait for a connection, at most `maxMs`. When thousands of fires start
 * at one instant, the finish and step writes of the first runs back would otherwise take the CPU
 * (this process's and PostgreSQL's, on the same cores) from sending the others' first requests;
 * written a moment later, they lose nothing and batch better. Resolves at once outside a burst.
 */
export async function yieldToSends(backlog: SendBacklog | undefined, clock: Clock, maxMs = YIELD_TO_SENDS_MS): Promise<void> {
  if (!backlog || backlog.unsent() === 0) return;
  let timer: TimerHandle | undefined;
  await Promise.race([backlog.drained(), new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, maxMs)))]);
  clock.clearTimeout(timer);
}
