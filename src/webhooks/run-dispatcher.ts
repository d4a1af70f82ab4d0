// Sends run webhooks: the pending rows the executions trigger enqueued when a finish was recorded.
// Each claim counts the attempt and leases the row, so several replicas share the work without
// sending one attempt twice at once, and a replica that dies mid-send leaves the row to be retried
// (with the same X-Tickler-Delivery: receivers dedupe on it). Time comes from the Clock, so a test
// drives retries with a manual clock.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { GuardOptions } from '../runner/http/client.ts';
import { type ClaimedRunWebhook, claimDueRunWebhooks, type RunWebhookAttempt, recordRunWebhookAttempts } from '../store/run-webhooks.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs, sendSignedPost } from './send.ts';

export interface RunWebhookDispatcherEvents {
  /** A batch of attempts was sent and recorded. */
  attempted: [attempts: RunWebhookAttempt[]];
  /** One poll of the loop ended (`attempts` sent, 0 when nothing was due): tests move the clock, then await this. */
  polled: [attempts: number];
}

export interface RunWebhookDispatcher {
  readonly events: EventEmitter<RunWebhookDispatcherEvents>;
  /** Polls every `pollMs` (at once when a batch was full) until `stop`. */
  start(): void;
  /** Sends what is due now, one batch; resolves with the attempts recorded. */
  drain(): Promise<RunWebhookAttempt[]>;
  /** Polls now instead of at the next interval (e.g. after finishes were recorded). */
  kick(): void;
  /** Stops polling and waits for the batch in flight (its sends are aborted). */
  stop(): Promise<void>;
}

export interface RunWebhookDispatcherOptions {
  pool: pg.Pool;
  clock: Clock;
  logger: Logger;
  http: GuardOptions;
  policy?: RetryPolicy;
  pollMs?: number;
  batch?: number;
}

/** The JSON body of a run webhook; built from the finished execution, so every attempt sends the same bytes. */
export function runWebhookBody(d: ClaimedRunWebhook): string {
  const x = d.execution;
  const iso = (v: number | null) => (v == null ? null : new Date(v).toISOString());
  return JSON.stringify({
    type: 'execution.finished',
    deliveryId: d.deliveryId,
    event: d.event,
    execution: {
      id: x.id,
      taskId: x.taskId,
      status: x.status,
      trigger: x.trigger,
      attempt: x.attempt,
      scheduledFor: iso(x.scheduledMs),
      startedAt: iso(x.startedMs),
      finishedAt: iso(x.finishedMs),
      output: x.output,
      error: x.error,
      usage: {
        promptTokens: x.promptTokens,
        completionTokens: x.completionTokens,
        totalTokens: x.promptTokens + x.completionTokens,
        llmCalls: x.llmCalls,
        toolCalls: x.toolCalls,
      },
    },
  });
}

export function createRunWebhookDispatcher(opts: RunWebhookDispatcherOptions): RunWebhookDispatcher {
  const { pool, clock, logger } = opts;
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const pollMs = opts.pollMs ?? 1_000;
  const batch = opts.batch ?? 50;
  // Longer than one attempt can take: a live dispatcher always records before its lease ends.
  const leaseMs = policy.timeoutMs * 2 + 5_000;
  const events = new EventEmitter<RunWebhookDispatcherEvents>();
  const abort = new AbortController();
  let timer: TimerHandle | undefined;
  let running = false;
  let inFlight: Promise<unknown> = Promise.resolve();

  async function attempt(d: ClaimedRunWebhook): Promise<RunWebhookAttempt> {
    const base = { id: d.id, attempt: d.attempt, nextAttemptMs: null };
    if (!d.url || !d.secret) {
      return { ...base, status: 'failed', responseStatus: null, error: 'the task no longer has a webhook', atMs: clock.now().getTime() };
    }
    const r = await sendSignedPost(
      { url: d.url, secret: d.secret, body: runWebhookBody(d), deliveryId: d.deliveryId },
      { http: opts.http, clock, signal: abort.signal, timeoutMs: policy.timeoutMs },
    );
    const now = clock.now().getTime();
    if (r.outcome === 'delivered') return { ...base, status: 'delivered', responseStatus: r.responseStatus, error: null, atMs: now };
    if (r.outcome === 'retry' && d.attempt < policy.attempts && !abort.signal.aborted) {
      return { ...base, status: 'pending', nextAttemptMs: now + retryDelayMs(policy, d.attempt), responseStatus: r.responseStatus, error: r.error, atMs: now };
    }
    // A send cut short by shutdown keeps its lease: the row is retried when the lease runs out.
    if (abort.signal.aborted && r.outcome === 'retry') return { ...base, status: 'pending', nextAttemptMs: now + leaseMs, responseStatus: null, error: r.error, atMs: now };
    return { ...base, status: r.outcome === 'refused' ? 'refused' : 'failed', responseStatus: r.responseStatus, error: r.error, atMs: now };
  }

  async function drainOnce(): Promise<RunWebhookAttempt[]> {
    const due = await claimDueRunWebhooks(pool, clock.now().getTime(), leaseMs, batch);
    if (due.length === 0) return [];
    const done = await Promise.all(due.map(attempt));
    await recordRunWebhookAttempts(pool, done);
    events.emit('attempted', done);
    return done;
  }

  function drain(): Promise<RunWebhookAttempt[]> {
    // One batch at a time per dispatcher: a kick during a batch waits for it.
    const next = inFlight.then(drainOnce, drainOnce);
    inFlight = next.catch(() => undefined);
    return next;
  }

  function arm(ms: number) {
    clock.clearTimeout(timer);
    if (!running) return;
    timer = clock.setTimeout(() => void tick(), ms);
  }

  async function tick() {
    timer = undefined;
    try {
      const done = await drain();
      arm(done.length >= batch ? 0 : pollMs);
      events.emit('polled', done.length);
    } catch (err) {
      // A database hiccup must not end the loop: try again at the next interval.
      logger.warn({ err: (err as Error).message }, 'run webhook dispatch failed; retrying');
      arm(pollMs);
      events.emit('polled', 0);
    }
  }

  return {
    events,
    start() {
      if (running) return;
      running = true;
      arm(0);
    },
    drain,
    kick() {
      if (running && timer) arm(0);
    },
    async stop() {
      running = false;
      clock.clearTimeout(timer);
      abort.abort();
      await inFlight;
    },
  };
}
