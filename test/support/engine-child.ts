// A scheduler replica in its own OS process, for the multi-process tests. Every run it starts is
// recorded in `test_runs` (execution id, pid) before anything else, so a duplicate start shows.
// env: DATABASE_URL, RUN_MS (how long each run takes), LEASE_SECONDS.
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { openDatabase } from '../../src/models/db.ts';
import { createEngine } from '../../src/scheduler/engine.ts';
import { ZERO_USAGE } from '../../src/scheduler/runner-port.ts';

const url = process.env.DATABASE_URL as string;
const runMs = Number(process.env.RUN_MS ?? 0);
const logger = createLogger(process.env.TEST_LOG ?? 'warn', false);
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
process.on('exit', (code) => logger.warn({ code }, 'engine child exiting'));
const db = await openDatabase({ url, logger, poolSize: 10 });
const config = loadConfig({
  DATABASE_URL: url,
  SCHEDULER_LOOKAHEAD_MS: '2000',
  SCHEDULER_LEASE_SECONDS: process.env.LEASE_SECONDS ?? '3',
  SHUTDOWN_GRACE_SECONDS: '1',
  RUNNER_CONCURRENCY: process.env.RUNNER_CONCURRENCY ?? '500',
}).scheduler;
const engine = createEngine({
  db,
  clock: systemClock,
  logger,
  config,
  retryBaseMs: 200,
  pollMs: 300,
  run: async ({ execution, signal }) => {
    // The test's own bookkeeping must survive a database restart too.
    for (let i = 0; ; i++) {
      try {
        await db.pool.query('insert into test_runs (execution_id, pid) values ($1, $2)', [execution.id, process.pid]);
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (runMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, runMs);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return signal.aborted ? { status: 'aborted', usage: ZERO_USAGE } : { status: 'succeeded', output: String(process.pid), usage: ZERO_USAGE };
  },
});
await engine.start();
process.stdout.write('ready\n');
const stop = async () => {
  await engine.stop();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
