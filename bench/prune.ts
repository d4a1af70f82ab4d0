// bench/prune.ts — does retention pruning get in the way of firing? Seeds 1,000,000 old steps
// (100,000 executions finished 40 days ago, 10 steps each), runs an engine with 100 tasks firing
// every second, and compares fire lateness (engine start − scheduled time, from the executions
// rows) in a window without pruning with the window in which the prune-executions system job
// deletes all of it through the same engine.
//   npx node bench/prune.ts [--steps 1000000] [--tasks 100] [--baseline 30] [--batch 1000] [--pause 50] [--fast]
// --fast turns fsync and synchronous_commit off (as the tests do); the default is durable.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { CHANNELS } from '../src/models/notify.ts';
import { createEngine } from '../src/scheduler/engine.ts';
import { pruneExecutions } from '../src/scheduler/jobs/prune-executions.ts';
import type { RunFn } from '../src/scheduler/runner-port.ts';
import { ZERO_USAGE } from '../src/scheduler/runner-port.ts';
import { createSystemJobRunner, defineSystemJobs } from '../src/scheduler/system-jobs.ts';
import { syncSystemJobs } from '../src/scheduler/system-jobs-sync.ts';
import { machine, pct, table } from './lib.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000000' },
    tasks: { type: 'string', default: '100' },
    baseline: { type: 'string', default: '30' },
    batch: { type: 'string', default: '1000' },
    pause: { type: 'string', default: '50' },
    fast: { type: 'boolean', default: false },
  },
});
const STEPS = Number(values.steps);
const EXECUTIONS = Math.ceil(STEPS / 10);
const TASKS = Number(values.tasks);
const BASELINE_S = Number(values.baseline);
const BATCH = Number(values.batch);
const PAUSE_MS = Number(values.pause);

const logger = createLogger('warn', false);
const dir = await mkdtemp(join(tmpdir(), 'tickler-prune-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, logger, ...(values.fast ? { settings: { fsync: 'off', synchronous_commit: 'off' } } : {}) });
const db = await openDatabase({ url: server.url, logger, migrate: true, poolSize: 20 });
const pool = db.pool;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

try {
  const { rows: u } = await pool.query<{ id: string }>(`insert into users (name) values ('prune-bench') returning id::text as id`);
  const userId = u[0]?.id as string;
  const { rows: h } = await pool.query<{ id: string }>(
    `insert into tasks (user_id, name, schedule, timezone, next_run_at, enabled) values ($1, 'history', '{"kind":"cron","cron":"0 0 1 1 *"}', 'UTC', null, false)
     returning id::text as id`,
    [userId],
  );
  const historyTask = h[0]?.id as string;
  let t0 = performance.now();
  log(`seeding ${EXECUTIONS.toLocaleString('en-US')} old executions and ${STEPS.toLocaleString('en-US')} steps…`);
  for (let done = 0; done < EXECUTIONS; done += 50_000) {
    const n = Math.min(50_000, EXECUTIONS - done);
    await pool.query(
      `with x as (
         insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, finished_at, output)
         select $1, $2, 'succeeded', 'schedule', now() - interval '40 days' - make_interval(secs => $3 + i), now() - interval '40 days',
                now() - interval '40 days' + make_interval(secs => i % 600), repeat('x', 200)
           from generate_series(1, $4) i
         returning id, started_at
       )
       insert into execution_steps (execution_id, index, kind, started_at, duration_ms, data)
       select x.id, s, case when s % 2 = 0 then 'llm' else 'tool' end, x.started_at, 100,
              jsonb_build_object('model', 'gpt-4o-mini', 'finishReason', 'stop', 'result', repeat('y', 100))
         from x, generate_series(0, 9) s`,
      [historyTask, userId, done, n],
    );
  }
  await pool.query('vacuum analyze');
  log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const anchor = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000);
  await pool.query(
    `insert into tasks (user_id, name, schedule, timezone, next_run_at, overlap)
     select $1, 'tick ' || i, jsonb_build_object('kind', 'interval', 'everySeconds', 1, 'anchor', $2::text), 'UTC', $2::timestamptz, 'allow'
       from generate_series(1, $3) i`,
    [userId, anchor.toISOString(), TASKS],
  );
  const jobs = defineSystemJobs([
    {
      name: 'prune-executions',
      cron: '17 3 * * *',
      timezone: 'UTC',
      description: 'bench',
      run: pruneExecutions({ retentionDays: 30, batchSize: BATCH, pauseMs: PAUSE_MS }),
    },
  ]);
  await syncSystemJobs(pool, jobs, new Date());
  const config = loadConfig({ DATABASE_URL: server.url });
  const runJob = createSystemJobRunner(jobs, { db, clock: systemClock, logger, config });
  const run: RunFn = async (req) => (req.execution.systemJob ? runJob(req) : { status: 'succeeded', output: 'ok', usage: ZERO_USAGE });
  const engine = createEngine({ db, clock: systemClock, logger, run, config: config.scheduler });
  await engine.start();

  const lateness = async (from: string, to: string) => {
    const { rows } = await pool.query<{ ms: number | null }>(
      `select (extract(epoch from x.started_at - x.scheduled_for) * 1000)::float8 as ms
         from executions x join tasks t on t.id = x.task_id
        where t.name like 'tick %' and x.scheduled_for >= $1 and x.scheduled_for < $2`,
      [from, to],
    );
    const started = rows.filter((r) => r.ms !== null).map((r) => r.ms as number);
    const s = started.sort((a, b) => a - b);
    return { fires: rows.length, notStarted: rows.length - s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? Number.NaN };
  };

  // Warm up, then the window without pruning.
  await sleep(Math.max(0, anchor.getTime() - Date.now()) + 5000);
  const { rows: b0 } = await pool.query<{ now: string }>(`select now()::text as now`);
  log(`baseline: ${BASELINE_S} s of ${TASKS} fires per second…`);
  await sleep(BASELINE_S * 1000);
  const { rows: b1 } = await pool.query<{ now: string }>(`select now()::text as now`);

  log('pruning…');
  const { rows: job } = await pool.query<{ id: string; user_id: string }>(`select id::text as id, user_id::text as user_id from tasks where system_name = 'prune-executions'`);
  t0 = performance.now();
  // Queued and announced as a run-now request is: the engine claims it on the notification.
  await pool.query(
    `with x as (insert into executions (task_id, user_id, status, trigger, scheduled_for) values ($1, $2, 'queued', 'manual', now()) returning id)
     select pg_notify($3, json_build_object('id', x.id::text)::text) from x`,
    [job[0]?.id, job[0]?.user_id, CHANNELS.work],
  );
  let prune: { output: string; started: string; finished: string } | undefined;
  while (!prune) {
    await sleep(1000);
    const { rows } = await pool.query<{ output: string; started: string; finished: string; status: string }>(
      `select output, status, started_at::text as started, finished_at::text as finished from executions where task_id = $1 and finished_at is not null`,
      [job[0]?.id],
    );
    if (rows[0] && rows[0].status !== 'succeeded') throw new Error(`the prune ended ${rows[0].status}`);
    prune = rows[0];
  }
  const pruneSeconds = (performance.now() - t0) / 1000;
  await sleep(3000); // let the last fires of the window be recorded
  const without = await lateness(b0[0]?.now as string, b1[0]?.now as string);
  const during = await lateness(prune.started, prune.finished);
  await engine.stop(2000);
  const { rows: left } = await pool.query<{ x: number; s: number }>(
    `select (select count(*) from executions where task_id = $1)::int as x, (select count(*) from execution_steps)::int as s`,
    [historyTask],
  );

  console.log(`\n## Pruning ${STEPS.toLocaleString('en-US')} old steps while ${TASKS} tasks fire every second\n`);
  console.log(machine(), values.fast ? '(fsync off)' : '(durable)');
  console.log(`\nprune: ${prune.output}; ${pruneSeconds.toFixed(1)} s, ${Math.round(STEPS / pruneSeconds).toLocaleString('en-US')} steps/s; left: ${left[0]?.x} executions, ${left[0]?.s} steps`);
  console.log(`batches of ${BATCH} executions, ${PAUSE_MS} ms apart\n`);
  console.log(
    table(
      ['window', 'fires', 'not started', 'lateness p50 ms', 'p99 ms', 'max ms'],
      [
        ['without pruning', without.fires, without.notStarted, without.p50.toFixed(1), without.p99.toFixed(1), without.max.toFixed(1)],
        ['during the prune', during.fires, during.notStarted, during.p50.toFixed(1), during.p99.toFixed(1), during.max.toFixed(1)],
      ],
    ),
  );
} finally {
  await db.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
