// Runner overhead with a zero-latency chat server: completed runs per second recorded in the
// database at a given concurrency, and the latency the runner adds per LLM round trip.
//   npx node bench/runner.ts [--runs=5000] [--concurrency=50] [--scenario=tool|answer] [--fast]
// --fast turns PostgreSQL's fsync and synchronous_commit off (as the tests do); the default is durable.
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { createUser } from '../src/api/auth.ts';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { createRunner } from '../src/runner/runner.ts';
import { createBatcher } from '../src/scheduler/batcher.ts';
import { type Finish, recordFinishes } from '../src/scheduler/record.ts';
import type { RunRequest, RunResult } from '../src/scheduler/runner-port.ts';
import { cpuOfTree } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '50' },
    scenario: { type: 'string', default: 'tool' },
    fast: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const CONCURRENCY = Number(args.concurrency);
const SCENARIO = args.scenario === 'answer' ? 'answer' : 'tool';
const TASKS = 200;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

const logger = createLogger('warn', false);
const dir = await mkdtemp(join(tmpdir(), 'tickler-bench-'));
const pgSettings: Record<string, string> = args.fast ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {};
const embedded = await startEmbeddedPostgres({ dataDir: dir, logger, settings: pgSettings });
const child = fork(new URL('./fake-server.ts', import.meta.url), [SCENARIO], { stdio: 'inherit' });
try {
  const fakeUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('error', reject);
  });
  const config = loadConfig({ DATABASE_URL: embedded.url, OPENAI_BASE_URL: fakeUrl, OPENAI_API_KEY: 'sk-bench', LOG_LEVEL: 'warn', DB_POOL_SIZE: '20' });
  const db = await openDatabase({ url: embedded.url, logger, migrate: true, poolSize: config.dbPoolSize });
  const user = await createUser(db.pool, 'bench');
  await db.pool.query(
    `insert into tasks (user_id, name, prompt, schedule, timezone, tools)
     select $1, 'watch ' || i, 'Check whether anything changed and say so.', '{"kind":"cron","cron":"0 9 * * *"}', 'Europe/Paris', '{memory_get,memory_set}'
       from generate_series(1, $2) i`,
    [user.id, TASKS],
  );
  const { rows: execs } = await db.pool.query<{ id: string; task_id: string; scheduled_for: string }>(
    `insert into executions (task_id, user_id, status, trigger, scheduled_for, started_at, epoch, owner)
     select t.id, t.user_id, 'running', 'schedule', now() + make_interval(secs => i::float8 / 1000), now(), 1, 'bench'
       from generate_series(0, $1 - 1) i join tasks t on t.id = (select min(id) from tasks) + i % $2
     returning id::text, task_id::text, scheduled_for::text`,
    [RUNS + CONCURRENCY, TASKS],
  );
  const requests: RunRequest['execution'][] = execs.map((e) => ({
    id: e.id,
    taskId: e.task_id,
    userId: user.id,
    attempt: 1,
    trigger: 'schedule',
    scheduledFor: new Date(e.scheduled_for),
    epoch: 1,
    dryRun: false,
  }));
  const run = createRunner({ db, clock: systemClock, logger, config });

  // What the engine does with a result: its batched, fenced recordFinishes (src/scheduler/record.ts),
  // through the same batcher settings as the engine's.
  const finishes = createBatcher<Finish>({ name: 'finishes', logger, clock: systemClock, delayMs: 0, maxBatch: 1000, write: async (items) => void (await recordFinishes(db.pool, 'bench', items)) });
  async function record(id: string, r: RunResult): Promise<void> {
    const base = { id, epoch: 1, finishedAt: Date.now(), usage: r.usage, output: null, error: null, retryAt: null, pauseReason: null };
    if (r.status === 'succeeded') finishes.add({ ...base, status: 'succeeded', output: r.output });
    else if (r.status === 'failed') finishes.add({ ...base, status: 'failed', error: r.error });
    else finishes.add({ ...base, status: 'interrupted', error: { type: 'released', message: 'aborted' } });
  }

  async function drive(batch: RunRequest['execution'][], concurrency: number) {
    const walls = new Map<string, number>();
    const failures: RunResult[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batch.length) {
          const execution = batch[next++] as RunRequest['execution'];
          const s = performance.now();
          const r = await run({ execution, signal: new AbortController().signal });
          walls.set(execution.id, performance.now() - s);
          if (r.status !== 'succeeded') failures.push(r);
          await record(execution.id, r);
        }
      }),
    );
    await finishes.flush();
    return { seconds: (performance.now() - t0) / 1000, walls, failures };
  }

  // The per-run LLM time, from the recorded steps: what is left of a run's wall time is the runner's own.
  async function llmTime(ids: string[]): Promise<Map<string, { ms: number; calls: number }>> {
    const { rows } = await db.pool.query<{ id: string; ms: number; calls: number }>(
      `select execution_id::text as id, sum(duration_ms)::float8 as ms, count(*)::int as calls
         from execution_steps where kind = 'llm' and execution_id = any($1::bigint[]) group by execution_id`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { ms: r.ms, calls: r.calls }]));
  }

  function perRound(walls: Map<string, number>, llm: Map<string, { ms: number; calls: number }>) {
    const total: number[] = [];
    const own: number[] = [];
    for (const [id, wall] of walls) {
      const l = llm.get(id);
      if (!l) continue;
      total.push(wall / l.calls);
      own.push((wall - l.ms) / l.calls);
    }
    return { total, own };
  }

  // The floor: the same chat request straight through the SDK, no runner.
  const sdk = new OpenAI({ apiKey: 'sk-bench', baseURL: fakeUrl, maxRetries: 0, timeout: 10_000 });
  const bare: number[] = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    bare.push(performance.now() - s);
  }

  // Warm-up (JIT, pool connections, prepared statements), then concurrency 1 for latency, then the throughput run.
  await drive(requests.slice(0, CONCURRENCY), CONCURRENCY);
  const serial = requests.slice(CONCURRENCY, CONCURRENCY + 300);
  const one = await drive(serial, 1);
  const main = requests.slice(CONCURRENCY + 300, CONCURRENCY + 300 + RUNS - 300);
  const postmaster = Number((await readFile(join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const cpu0 = { runner: process.cpuUsage(), fake: await cpuOfTree(child.pid as number), pg: await cpuOfTree(postmaster) };
  const many = await drive(main, CONCURRENCY);
  const cpuRunner = process.cpuUsage(cpu0.runner);
  const cpu = {
    runner: (cpuRunner.user + cpuRunner.system) / 1e6,
    fake: (await cpuOfTree(child.pid as number)) - cpu0.fake,
    pg: (await cpuOfTree(postmaster)) - cpu0.pg,
  };
  const recorded = await db.pool.query<{ n: number }>(`select count(*)::int as n from executions where id = any($1::bigint[]) and status = 'succeeded'`, [main.map((e) => e.id)]);

  const oneRounds = perRound(one.walls, await llmTime(serial.map((e) => e.id)));
  const manyRounds = perRound(many.walls, await llmTime(main.map((e) => e.id)));
  const rounds = SCENARIO === 'tool' ? 2 : 1;
  console.log(`\nrunner bench: scenario=${SCENARIO} (${rounds} LLM round trip${rounds > 1 ? 's' : ''} per run${SCENARIO === 'tool' ? ', 1 tool call' : ''}), PostgreSQL ${args.fast ? 'fsync off' : 'durable (defaults)'}, fake chat server in a child process`);
  console.log(`bare SDK round trip to the fake (no runner), c=1: p50 ${ms(quantile(bare, 0.5))}  p99 ${ms(quantile(bare, 0.99))}`);
  console.log(`c=1  : ${serial.length} runs, per LLM round trip: total p50 ${ms(quantile(oneRounds.total, 0.5))} p99 ${ms(quantile(oneRounds.total, 0.99))}; runner's own (minus the LLM call) p50 ${ms(quantile(oneRounds.own, 0.5))} p99 ${ms(quantile(oneRounds.own, 0.99))}`);
  console.log(`c=${CONCURRENCY}: ${main.length} runs in ${many.seconds.toFixed(2)} s = ${(main.length / many.seconds).toFixed(0)} runs/s (${(recorded.rows[0]?.n ?? 0)} recorded succeeded, ${many.failures.length} not)`);
  console.log(`c=${CONCURRENCY}: per LLM round trip: total p50 ${ms(quantile(manyRounds.total, 0.5))} p99 ${ms(quantile(manyRounds.total, 0.99))}; runner's own p50 ${ms(quantile(manyRounds.own, 0.5))} p99 ${ms(quantile(manyRounds.own, 0.99))}`);
  const perRun = (seconds: number) => `${((seconds * 1000) / main.length).toFixed(2)} ms`;
  const total = cpu.runner + cpu.fake + cpu.pg;
  // What the figures would be on two otherwise idle cores: the runner's event loop is one thread, and
  // the three processes together share two cores.
  const ceiling = Math.min(main.length / cpu.runner, (2 * main.length) / total);
  console.log(
    `c=${CONCURRENCY}: CPU per run: runner process ${perRun(cpu.runner)} (busy ${((100 * cpu.runner) / many.seconds).toFixed(0)}% of the wall time), fake server ${perRun(cpu.fake)}, PostgreSQL ${perRun(cpu.pg)}; ` +
      `all three ${perRun(total)}, so two idle cores would allow about ${ceiling.toFixed(0)} runs/s`,
  );
  console.log(`load average during the run (others share this machine): ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);
  if (many.failures.length) console.log('first failure:', many.failures[0]);
  await db.close();
} finally {
  child.disconnect();
  await embedded.stop();
  await rm(dir, { recursive: true, force: true });
}
