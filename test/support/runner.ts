// Shared set-up for runner tests: a fresh database, the fake chat server, a user, and helpers that
// create tasks and running executions the way the engine would, then drive the real runner.
import { type Clock, systemClock } from '../../src/clock.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createUser } from '../../src/api/auth.ts';
import type { Database } from '../../src/models/db.ts';
import { createRunner, type Runner, type RunnerDeps } from '../../src/runner/runner.ts';
import type { RunFn, RunRequest, RunResult } from '../../src/scheduler/runner-port.ts';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { testNet, type TestNet } from './net.ts';

export const TEST_API_KEY = 'sk-test-do-not-leak-0123456789';

export interface TaskFields {
  name?: string;
  prompt?: string;
  timezone?: string;
  tools?: string[];
  model?: string | null;
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  monthlyTokenBudget?: number | null;
  userId?: string;
}

export interface StepRecord {
  index: number;
  kind: 'llm' | 'tool';
  duration_ms: number;
  data: Record<string, any>;
}

export interface RunnerHarness {
  db: Database;
  fake: FakeOpenAI;
  userId: string;
  net: TestNet;
  clock: Clock & { sleeps: number[] };
  config(env?: Record<string, string>): Config;
  runner(env?: Record<string, string>, deps?: Partial<RunnerDeps>): Runner;
  task(fields?: TaskFields): Promise<string>;
  execution(taskId: string, opts?: { dryRun?: boolean; userId?: string }): Promise<RunRequest['execution']>;
  /** Runs one execution of `taskId` to its result, recording its terminal status as the engine would. */
  runTask(run: RunFn, taskId: string, opts?: { dryRun?: boolean; signal?: AbortSignal }): Promise<{ result: RunResult; executionId: string }>;
  record(executionId: string, result: RunResult): Promise<void>;
  steps(executionId: string): Promise<StepRecord[]>;
  close(): Promise<void>;
}

/** The messages of the `i`-th chat request the fake server received (empty when there is none). */
export function messagesOf(fake: FakeOpenAI, i: number): any[] {
  return (fake.requests[i]?.body.messages ?? []) as any[];
}

/** A clock on real time whose sleeps return at once (recording how long they would have been). */
export function instantSleepClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { ...systemClock, sleeps, now: () => new Date(), sleep: async (ms) => void sleeps.push(ms) };
}

export async function startRunnerHarness(): Promise<RunnerHarness> {
  const tdb: TestDatabase = await createTestDatabase();
  const db = await tdb.open(20);
  const fake = await startFakeOpenAI();
  const user = await createUser(db.pool, 'runner-user');
  const net = testNet();
  const clock = instantSleepClock();
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', false);
  const config = (env: Record<string, string> = {}) =>
    loadConfig({ DATABASE_URL: db.url, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: TEST_API_KEY, OPENAI_MODEL: 'fake-model', LOG_LEVEL: 'silent', ...env });
  const h: RunnerHarness = {
    db,
    fake,
    userId: user.id,
    net,
    clock,
    config,
    runner: (env = {}, deps = {}) => createRunner({ db, clock, logger, config: config(env), fetchDeps: net.deps, ...deps }),
    async task(f = {}) {
      const { rows } = await db.pool.query<{ id: string }>(
        `insert into tasks (user_id, name, prompt, schedule, timezone, tools, model, webhook_url, webhook_secret, monthly_token_budget)
         values ($1, $2, $3, '{"kind":"cron","cron":"0 9 * * *"}', $4, $5, $6, $7, $8, $9) returning id::text`,
        [f.userId ?? user.id, f.name ?? 'test task', f.prompt ?? 'Say hello.', f.timezone ?? 'Europe/Paris', f.tools ?? [], f.model ?? null, f.webhookUrl ?? null, f.webhookSecret ?? null, f.monthlyTokenBudget ?? null],
      );
      return (rows[0] as { id: string }).id;
    },
    async execution(taskId, opts = {}) {
      const { rows } = await db.pool.query<{ id: string; scheduled_for: string }>(
        `insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, epoch, dry_run)
         values ($1, $2, 'running', 'manual', clock_timestamp(), now(), 1, $3) returning id::text, scheduled_for`,
        [taskId, opts.userId ?? user.id, opts.dryRun ?? false],
      );
      const row = rows[0] as { id: string; scheduled_for: string };
      return { id: row.id, taskId, userId: opts.userId ?? user.id, attempt: 1, trigger: 'manual', scheduledFor: new Date(row.scheduled_for), epoch: 1, dryRun: opts.dryRun ?? false };
    },
    async runTask(run, taskId, opts = {}) {
      const execution = await h.execution(taskId, opts.dryRun === undefined ? {} : { dryRun: opts.dryRun });
      const result = await run({ execution, signal: opts.signal ?? new AbortController().signal });
      await h.record(execution.id, result);
      return { result, executionId: execution.id };
    },
    async record(executionId, r) {
      const status = r.status === 'aborted' ? 'cancelled' : r.status;
      await db.pool.query(
        `update executions set status = $2, finished_at = now(), output = $3, error = $4,
                prompt_tokens = $5, completion_tokens = $6, llm_calls = $7, tool_calls = $8
          where id = $1`,
        [executionId, status, r.status === 'succeeded' ? r.output : null, r.status === 'failed' ? r.error : null, r.usage.promptTokens, r.usage.completionTokens, r.usage.llmCalls, r.usage.toolCalls],
      );
    },
    async steps(executionId) {
      const { rows } = await db.pool.query<StepRecord>('select index, kind, duration_ms, data from execution_steps where execution_id = $1 order by index', [executionId]);
      return rows;
    },
    async close() {
      await fake.close();
      await tdb.drop();
    },
  };
  return h;
}
