// A scheduler replica in its own OS process, for the multi-process tests. Every run it starts is
// recorded in `test_runs` (execution id, pid) before anything else, so a duplicate start shows.
// env: DATABASE_URL, RUN_MS (how long each run takes), LEASE_SECONDS, HEARTBEAT_MS, REPLICA_DEAD_MS
// (the product defaults when unset), and SYSTEM_JOB_CRON: when
// set, the process declares one system job, `tick`, on that cron (upserted at start like main.ts
// does) whose runs are recorded in test_runs too.
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { openDatabase } from '../../src/models/db.ts';
import { createEngine } from '../../src/scheduler/engine.ts';
import type { RunFn } from '../../src/scheduler/runner-port.ts';
import { ZERO_USAGE } from '../../src/scheduler/runner-port.ts';
import { createSystemJobRunner, defineSystemJobs } from '../../src/scheduler/system-jobs.ts';
import { syncSystemJobs } from '../../src/scheduler/system-jobs-sync.ts';

const url = process.env.DATABASE_URL as string;
const runMs = Number(process.env.RUN_MS ?? 0);
const logger = createLogger(process.env.TEST_LOG ?? 'warn', false);
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
process.on('exit', (code) => logger.warn({ code }, 'engine child exiting'));
const db = await openDatabase({ url, logger, poolSize: 10 });
const fullConfig = loadConfig({
  DATABASE_URL: url,
  SCHEDULER_LOOKAHEAD_MS: '2000',
  SCHEDULER_LEASE_SECONDS: process.env.LEASE_SECONDS ?? '3',
  SHUTDOWN_GRACE_SECONDS: '1',
  RUNNER_CONCURRENCY: process.env.RUNNER_CONCURRENCY ?? '500',
  SCHEDULER_HEARTBEAT_MS: process.env.HEARTBEAT_MS,
  SCHEDULER_REPLICA_DEAD_MS: process.env.REPLICA_DEAD_MS,
});
const config = fullConfig.scheduler;

async function recordRun(executionId: string): Promise<void> {
  // The test's own bookkeeping must survive a database restart too.
  for (let i = 0; ; i++) {
    try {
      await db.pool.query('insert into test_runs (execution_id, pid) values ($1, $2)', [executionId, process.pid]);
      return;
    } catch (err) {
      if (i > 100) throw err;
      // PostgreSQL is being restarted under this process: retry, at most 100 times.
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const taskRun: RunFn = async ({ execution, signal, started }) => {
  // As the real runner does: no side effect before the start is recorded as ours.
  if (started && !(await started)) return { status: 'aborted', usage: ZERO_USAGE };
  await recordRun(execution.id);
  if (runMs) {
    await new Promise<void>((resolve) => {
      // A run's work, in real time: this is a real process (kill -9 and restart tests).
      const t = setTimeout(resolve, runMs);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  return signal.aborted ? { status: 'aborted', usage: ZERO_USAGE } : { status: 'succeeded', output: String(process.pid), usage: ZERO_USAGE };
};

let run = taskRun;
const tickCron = process.env.SYSTEM_JOB_CRON;
if (tickCron) {
  const jobs = defineSystemJobs([
    {
      name: 'tick',
      cron: tickCron,
      timezone: 'UTC',
      description: 'records its runs (test)',
      run: async ({ execution }) => {
        await recordRun(execution.id);
        return `tick from ${process.pid}`;
      },
    },
  ]);
  await syncSystemJobs(db.pool, jobs, systemClock.now());
  const jobRun = createSystemJobRunner(jobs, { db, clock: systemClock, logger, config: fullConfig });
  run = (req) => (req.execution.systemJob ? jobRun(req) : taskRun(req));
}

const engine = createEngine({ db, clock: systemClock, logger, config, retryBaseMs: 200, pollMs: 300, run });
await engine.start();
process.stdout.write('ready\n');
const stop = async () => {
  await engine.stop();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
