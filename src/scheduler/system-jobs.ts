// System jobs: the scheduled work tickler itself needs, declared here in code and shipped with it.
// At start-up the list is upserted by name into the tasks table (system-jobs-sync.ts) as tasks of
// kind `system`, owned by the built-in system user; from then on they go through the same claim
// path, the same exactly-once key, the same executions and events as user tasks. The engine's
// run function hands their executions to `createSystemJobRunner` instead of the LLM runner.
//
// To retire a job, delete it from `builtinSystemJobs`: the next start-up marks it orphaned
// (disabled, never fired, shown as such by GET /api/jobs); declaring it again re-enables it.
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Database } from '../models/db.ts';
import { pruneExecutions } from './jobs/prune-executions.ts';
import { pruneIdempotencyKeys } from './jobs/prune-idempotency-keys.ts';
import { pruneNotifications } from './jobs/prune-notifications.ts';
import { resetMonthlyBudgets } from './jobs/reset-budgets.ts';
import type { RunFn, RunRequest, RunResult } from './runner-port.ts';
import { ZERO_USAGE } from './runner-port.ts';
import { toSpec } from './schedule.ts';

export interface SystemJobContext {
  db: Database;
  clock: Clock;
  logger: Logger;
  config: Config;
  /** Aborted on cancel and at shutdown: stop between batches and return. */
  signal: AbortSignal;
  execution: RunRequest['execution'];
}

export interface SystemJob {
  /** Unique and stable: the upsert matches on it (kebab-case). */
  name: string;
  cron: string;
  timezone: string;
  description: string;
  /** Does the work; resolves to a one-line summary of what it did (the execution's output). */
  run(ctx: SystemJobContext): Promise<string>;
}

/** The jobs tickler ships. */
export function builtinSystemJobs(config: Config): readonly SystemJob[] {
  const days = config.scheduler.retentionDays;
  const notificationDays = config.scheduler.notificationRetentionDays;
  return defineSystemJobs([
    {
      name: 'prune-executions',
      cron: '17 3 * * *',
      timezone: 'UTC',
      description: `Deletes finished executions (and their steps) older than ${days} days (EXECUTION_RETENTION_DAYS), in small batches`,
      run: pruneExecutions({ retentionDays: days }),
    },
    {
      name: 'prune-notifications',
      cron: '27 3 * * *',
      timezone: 'UTC',
      description: `Deletes read notifications older than ${notificationDays} days (NOTIFICATION_RETENTION_DAYS)`,
      run: pruneNotifications({ retentionDays: notificationDays }),
    },
    {
      name: 'prune-idempotency-keys',
      cron: '37 * * * *',
      timezone: 'UTC',
      description: 'Deletes Idempotency-Key records older than 24 hours (they are only honoured for 24 hours)',
      run: pruneIdempotencyKeys(),
    },
    {
      // Hourly, not on the 1st at midnight UTC: budgets are per calendar month in each task's own
      // zone, and some zone's month begins every hour.
      name: 'reset-monthly-budgets',
      cron: '5 * * * *',
      timezone: 'UTC',
      description: 'Resumes tasks paused for their monthly token budget once a new month began in their timezone (or the budget was raised)',
      run: resetMonthlyBudgets(),
    },
  ]);
}

/** Checks a declared list (unique names, valid crons and zones) and returns it frozen. Throws at start-up, not at 3 a.m. */
export function defineSystemJobs(jobs: SystemJob[]): readonly SystemJob[] {
  const seen = new Set<string>();
  for (const job of jobs) {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(job.name)) throw new Error(`system job name "${job.name}" must be kebab-case`);
    if (seen.has(job.name)) throw new Error(`system job "${job.name}" is declared twice`);
    seen.add(job.name);
    const spec = toSpec({ cron: job.cron }, job.timezone, { now: new Date() });
    if (!spec.ok) throw new Error(`system job "${job.name}": ${spec.error.path} ${spec.error.message}`);
  }
  return Object.freeze(jobs.map((j) => Object.freeze({ ...j })));
}

export interface SystemJobRunnerDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  config: Config;
}

/**
 * The RunFn for executions of system jobs: finds the handler by the job's name and turns its
 * outcome into a RunResult. Never throws: a failure is a failed run, retried like any other
 * (a database error is worth another attempt).
 */
export function createSystemJobRunner(jobs: readonly SystemJob[], deps: SystemJobRunnerDeps): RunFn {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  return async (req): Promise<RunResult> => {
    const name = req.execution.systemJob ?? '';
    const job = byName.get(name);
    if (!job) {
      return {
        status: 'failed',
        error: { type: 'system_job_unknown', message: `no system job "${name}" is declared in this process's code (src/scheduler/system-jobs.ts)` },
        transient: true,
        usage: ZERO_USAGE,
      };
    }
    try {
      const output = await job.run({ ...deps, signal: req.signal, execution: req.execution });
      if (req.signal.aborted) return { status: 'aborted', usage: ZERO_USAGE };
      return { status: 'succeeded', output, usage: ZERO_USAGE };
    } catch (err) {
      if (req.signal.aborted) return { status: 'aborted', usage: ZERO_USAGE };
      deps.logger.error({ err, job: name, executionId: req.execution.id }, 'system job failed');
      return { status: 'failed', error: { type: 'system_job_failed', message: `${name} failed: ${(err as Error).message}` }, transient: true, usage: ZERO_USAGE };
    }
  };
}
