// tickler as one more peer of the peer bench (same protocol as the others: the orchestrator passes the
// test in BENCH_PARAMS, a fresh database on its PostgreSQL, and reads the result from params.out).
// tickler is measured only through its public interfaces: `node src/main.ts api` and `… scheduler`
// processes, tasks created over the HTTP API, runs observed at a zero-latency chat-completions server
// (bench/chat-server.ts, its own process) and in the executions table. Scale seeds its rows with SQL.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger } from '../../src/log.ts';
import { openDatabase } from '../../src/models/db.ts';
import { cpuOfTree, freePort, httpRequest, NO_RATE_LIMITS } from '../lib.ts';
import { summarize } from './lib/stats.mjs';

interface Params {
  test: string;
  out: string;
  pgUrl: string;
  pgPid: number;
  timeoutMs: number;
  k?: number;
  n?: number;
  replicas?: number;
  idleMs?: number;
  /** Environment every tickler process of this run gets (the same in every test, as for the peers). */
  env: Record<string, string>;
}

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'main.ts');
const PROBE = join(import.meta.dirname, 'probe.mjs');
const params = JSON.parse(process.env.BENCH_PARAMS ?? 'null') as Params | null;
if (!params) throw new Error('BENCH_PARAMS is not set: run this through bench/run.ts');
const P: Params = params;

const round = (x: number, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wallNow = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- processes
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

interface Chat {
  url: string;
  pid: number;
  reset(): Promise<void>;
  report(): Promise<{ arrivals: Array<[number, number]>; count: number }>;
}

async function startChat(): Promise<Chat> {
  const chat = fork(join(ROOT, 'bench', 'chat-server.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(chat);
  chat.once('exit', () => children.delete(chat));
  const call = <T>(cmd: string) =>
    new Promise<T>((resolve) => {
      chat.once('message', (m) => resolve(m as T));
      chat.send({ cmd });
    });
  const url = await new Promise<string>((resolve) => chat.once('message', (m) => resolve((m as { url: string }).url)));
  return { url, pid: chat.pid as number, reset: () => call<void>('reset'), report: () => call('report') };
}

interface Tickler {
  child: ChildProcess;
  log: () => string;
  startupMs: number;
}

/** Starts `node src/main.ts <mode>`; resolves once it says it is up (API listening, or start-up sync done). */
async function startTickler(mode: 'api' | 'scheduler', env: Record<string, string>, nodeArgs: string[] = []): Promise<Tickler> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, MAIN, mode], {
    // A scheduler's probe listener on a port of its own (several replicas run side by side).
    env: { PATH: process.env.PATH ?? '', ...(process.env.PGOPTIONS ? { PGOPTIONS: process.env.PGOPTIONS } : {}), LOG_LEVEL: 'info', ...NO_RATE_LIMITS, ...P.env, ...(mode === 'scheduler' ? { PORT: '0' } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
    if (out.length > 1_000_000) out = out.slice(-200_000);
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const ready = mode === 'api' ? 'tickler listening' : 'start-up sync done';
  const deadline = Date.now() + 300_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${mode} did not start:\n${out.slice(-3000)}`);
    await sleep(10);
  }
  return { child, log: () => out, startupMs: performance.now() - t0 };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

// ---------------------------------------------------------------- HTTP
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const post = (port: number, path: string, body: unknown) => httpRequest(agent, port, 'POST', path, JSON.stringify(body));

/** fn(i) for i in [0, n) with at most `limit` in flight. */
async function inParallel(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, limit) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

async function createTask(port: number, body: Record<string, unknown>): Promise<string> {
  const r = await post(port, '/api/tasks', { timezone: 'UTC', ...body });
  if (r.status !== 201) throw new Error(`POST /api/tasks: ${r.status} ${r.text.slice(0, 300)}`);
  return (JSON.parse(r.text) as { id: string }).id;
}

// The same distinct weekly expressions the peers create (lib/child.mjs distinctCron): minute × 22 hours
// (the current and next UTC hour left out) × a non-empty weekday set.
const HOURS = (() => {
  const h = new Date().getUTCHours();
  return Array.from({ length: 24 }, (_, i) => i).filter((x) => x !== h && x !== (h + 1) % 24);
})();
function distinctCron(i: number): string {
  const set = Math.floor(i / (60 * HOURS.length)) + 1;
  const days: number[] = [];
  for (let d = 0; d < 7; d++) if (set & (1 << d)) days.push(d);
  return `${i % 60} ${HOURS[Math.floor(i / 60) % HOURS.length]} * * ${days.join(',')}`;
}
const dailyAt = (at: number) => {
  const d = new Date(at);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} * * *`;
};

async function until(what: string, deadline: number, check: () => Promise<boolean>): Promise<boolean> {
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  console.error(`gave up waiting for ${what}`);
  return false;
}

// ---------------------------------------------------------------- transport floor
/** K chat-completion requests sent at once by a bare http client (same socket cap as tickler's client). */
async function transportFloor(chat: Chat, k: number, sockets: number) {
  const floorAgent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const u = new URL(chat.url);
  const send = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const data = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `bench-${i}` }] });
      const req = http.request(
        { host: u.hostname, port: u.port, path: `${u.pathname}/chat/completions`, method: 'POST', agent: floorAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  await Promise.all(Array.from({ length: Math.min(k, sockets) + 50 }, (_, i) => send(i))); // warm sockets
  await chat.reset();
  const T = wallNow();
  await Promise.all(Array.from({ length: k }, (_, i) => send(i)));
  const r = await chat.report();
  floorAgent.destroy();
  return summarize(r.arrivals.map(([, at]) => at - T));
}

/**
 * The rate at which a bare http client gets answers from the chat server: n requests, `inFlight` at a
 * time over keep-alive sockets, no runner, no database. What "no-op runs per second" is held against.
 */
async function bareRate(chat: Chat, n: number, inFlight: number): Promise<number> {
  const a = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const u = new URL(chat.url);
  const send = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const data = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `bare-${i}` }] });
      const req = http.request(
        { host: u.hostname, port: u.port, path: `${u.pathname}/chat/completions`, method: 'POST', agent: a, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  await inParallel(Math.min(n, 2000), inFlight, send); // warm sockets and JIT
  const t0 = performance.now();
  await inParallel(n, inFlight, send);
  const s = (performance.now() - t0) / 1000;
  a.destroy();
  return n / s;
}

/**
 * BENCH_PG_WAITS=1: what the database's active backends wait on, sampled every 5 ms (an
 * investigation aid: a statement slower per row in small batches than in large ones waits on something).
 */
function sampleWaits(url: string) {
  const c = new pg.Client({ connectionString: url });
  const counts: Record<string, number> = {};
  let on = true;
  const done = (async () => {
    await c.connect();
    for (let i = 0; on && i < 20_000; i++) {
      const { rows } = await c.query(
        `select coalesce(wait_event_type || ':' || wait_event, 'cpu') as w, left(regexp_replace(query, '\\s+', ' ', 'g'), 40) as q
           from pg_stat_activity where state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      );
      for (const r of rows) counts[`${r.w} | ${r.q}`] = (counts[`${r.w} | ${r.q}`] ?? 0) + 1;
      await sleep(5);
    }
    await c.end();
  })();
  return {
    async stop() {
      on = false;
      await done;
      return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 25));
    },
  };
}

/** A target line for the bench output: the figure, the bound and whether it holds. */
function target(name: string, value: number | null, op: '>=' | '<=', bound: number | null, unit: string) {
  const pass = value !== null && bound !== null && (op === '>=' ? value >= bound : value <= bound);
  return { name, value: round(value ?? Number.NaN, 1), bound: round(bound ?? Number.NaN, 1), op, unit, pass };
}

// A scheduler process profiled with --cpu-prof when BENCH_CPU_PROF names a directory (written at its exit).
const PROF_ARGS = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

// ---------------------------------------------------------------- tests
/** K daily tasks due at one whole second T, fired by `replicas` scheduler processes. */
async function lateness() {
  const k = P.k as number;
  const replicas = P.replicas ?? 1;
  const chat = await startChat();
  const port = await freePort();
  const common = { DATABASE_URL: P.pgUrl, OPENAI_BASE_URL: chat.url, OPENAI_API_KEY: 'bench' };
  const api = await startTickler('api', { ...common, PORT: String(port), AUTH_MODE: 'local', MAX_TASKS_PER_USER: '100000000' });
  const scheds = await Promise.all(Array.from({ length: replicas }, () => startTickler('scheduler', common, PROF_ARGS)));
  // A long-running scheduler is warm (JIT, pools): a warm-up batch fires 3 s before T through the same path.
  const warm = Math.min(k, 500);
  // Far enough ahead that every task exists before the look-ahead window opens (creation over the API
  // runs at 500–1,500/s on this machine).
  const T = Math.ceil((Date.now() + 10_000 + (k + warm) * 2.5) / 1000) * 1000;
  await inParallel(warm, 32, async (i) => void (await createTask(port, { name: `warm ${i}`, prompt: `warm-${i}`, schedule: { cron: dailyAt(T - 3000) } })));
  const t0 = performance.now();
  await inParallel(k, 32, async (i) => void (await createTask(port, { name: `bench ${i}`, prompt: `bench-${i}`, schedule: { cron: dailyAt(T) } })));
  const createMs = performance.now() - t0;
  const setupOverran = Date.now() > T - 5_500; // inside the 5 s look-ahead window
  const sql = new pg.Client({ connectionString: P.pgUrl });
  await sql.connect();
  await until('every run to finish', T + 60_000, async () => {
    const { rows } = await sql.query(`select count(*)::int as n from executions where status in ('succeeded', 'failed')`);
    return rows[0].n >= k + warm;
  });
  const starts = await sql.query<{ lag: number }>(
    `select (extract(epoch from (e.started_at - e.scheduled_for)) * 1000)::float8 as lag
       from executions e join tasks t on t.id = e.task_id where e.started_at is not null and t.prompt like 'bench-%'`,
  );
  const counts = await sql.query<{ dup: number; missing: number; failed: number }>(
    `select (select count(*) from (select task_id from executions group by task_id having count(*) > 1) d)::int as dup,
            (select count(*) from tasks t where t.prompt like 'bench-%'
                and not exists (select 1 from executions e where e.task_id = t.id and e.status = 'succeeded'))::int as missing,
            (select count(*) from executions where status <> 'succeeded')::int as failed`,
  );
  // Why runs did not succeed, if any did not (status, error type and message, when it started).
  const notOk = await sql.query<{ status: string; type: string | null; message: string | null; started: boolean; n: number }>(
    `select status, error->>'type' as type, left(error->>'message', 200) as message, started_at is not null as started, count(*)::int as n
       from executions where status <> 'succeeded' group by 1, 2, 3, 4 order by 5 desc limit 10`,
  );
  await sql.end();
  const report = await chat.report();
  const first = new Map<number, number>();
  let dupArrivals = 0;
  for (const [i, at] of report.arrivals) {
    if (first.has(i)) dupArrivals++;
    else first.set(i, at);
  }
  await Promise.all([api, ...scheds].map((x) => stop(x.child)));
  // The same K requests from a bare client, with tickler's processes gone: what HTTP alone costs here.
  const floor = await transportFloor(chat, k, Number(P.env.OPENAI_MAX_CONNECTIONS ?? 256));
  const c = counts.rows[0] ?? { dup: 0, missing: k, failed: 0 };
  const chatMs = summarize([...first.values()].map((at) => at - T));
  return {
    targets: k >= 10_000 ? [target(`first chat request p99 at K=${k} vs 2× the bare-request floor p99`, chatMs.p99, '<=', floor.p99 === null ? null : 2 * floor.p99, 'ms')] : [],
    k,
    replicas,
    T,
    createPerSec: round(k / (createMs / 1000), 0),
    setupOverran,
    started: starts.rows.length,
    dupes: c.dup + dupArrivals,
    missing: c.missing,
    notSucceeded: c.failed,
    ...(notOk.rows.length ? { whyNotSucceeded: notOk.rows } : {}),
    chatArrived: first.size,
    latenessMs: summarize(starts.rows.map((r) => r.lag)),
    chatMs,
    floorMs: floor,
  };
}

/**
 * n no-op runs end to end, two ways: n tasks due at one instant (T → all succeeded), then one manual
 * run of each through POST /api/tasks/:id/run (first request → all succeeded).
 */
async function throughput() {
  const n = P.n as number;
  const chat = await startChat();
  const port = await freePort();
  const common = { DATABASE_URL: P.pgUrl, OPENAI_BASE_URL: chat.url, OPENAI_API_KEY: 'bench' };
  // Both processes profiled: the POST /run path's enqueue rate is the API's as much as the engine's.
  const api = await startTickler('api', { ...common, PORT: String(port), AUTH_MODE: 'local', MAX_TASKS_PER_USER: '100000000' }, PROF_ARGS);
  const sched = await startTickler('scheduler', common, PROF_ARGS);
  const sql = new pg.Client({ connectionString: P.pgUrl });
  await sql.connect();
  if (process.env.BENCH_PG_STATS) await sql.query('create extension if not exists pg_stat_statements');
  const succeeded = async (trigger: string) =>
    (await sql.query(`select count(*)::int as n from executions where status = 'succeeded' and trigger = $1`, [trigger])).rows[0].n as number;
  const T = Math.ceil((Date.now() + 10_000 + n * 2.5) / 1000) * 1000;
  const ids: string[] = new Array(n);
  const t0 = performance.now();
  await inParallel(n, 32, async (i) => {
    ids[i] = await createTask(port, { name: `tp ${i}`, prompt: `bench-${i}`, schedule: { cron: dailyAt(T) } });
  });
  const createMs = performance.now() - t0;
  const setupOverran = Date.now() > T - 5_500;
  // CPU per run by process over each window: where a run's cost goes (the runs are CPU-bound here).
  const pids = { scheduler: sched.child.pid as number, api: api.child.pid as number, postgres: P.pgPid, chat: chat.pid };
  const cpuNow = async () => Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([k, pid]) => [k, await cpuOfTree(pid)] as const))) as Record<keyof typeof pids, number>;
  const perRun = (a: Record<string, number>, b: Record<string, number>, runs: number) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, round((((b[k] ?? 0) - (a[k] ?? 0)) * 1000) / runs, 3)]));
  // BENCH_PG_STATS=1 (postgres started with pg_stat_statements): where the database's time went,
  // per window (the counters are reset as each one starts).
  const pgStatsReset = async () => {
    if (process.env.BENCH_PG_STATS) await sql.query('select pg_stat_statements_reset()');
  };
  const pgStatsNow = async () =>
    process.env.BENCH_PG_STATS
      ? (
          await sql.query(
            `select calls::int, round(total_exec_time)::int as ms, round(total_plan_time)::int as plan_ms, rows::int, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as q
               from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
              order by total_exec_time + total_plan_time desc limit 20`,
          )
        ).rows
      : undefined;
  await sleep(Math.max(0, T - 100 - Date.now()));
  await pgStatsReset();
  const dueCpu0 = await cpuNow();
  await until('the due runs', T + 120_000, async () => (await succeeded('schedule')) >= n);
  const dueCpu = perRun(dueCpu0, await cpuNow(), n);
  const duePg = await pgStatsNow();
  const due = await sql.query<{ last_ms: number; n: number }>(
    `select (extract(epoch from max(finished_at)) * 1000)::float8 as last_ms, count(*)::int as n from executions where trigger = 'schedule' and status = 'succeeded'`,
  );
  const dueRow = due.rows[0] ?? { last_ms: Number.NaN, n: 0 };
  const dueMs = dueRow.last_ms - T;
  // Manual runs: 32 requests in flight, as a client fleet would send them.
  await pgStatsReset();
  const waits = process.env.BENCH_PG_WAITS ? sampleWaits(P.pgUrl) : null;
  // BENCH_PERF=<file>: a system-wide perf profile of the POST /run window (the database's own CPU).
  const perf = process.env.BENCH_PERF ? spawn('perf', ['record', '-a', ...(process.env.BENCH_PERF_DWARF ? ['--call-graph', 'dwarf,16384', '-F', '299'] : ['-g', '-F', '999']), '-o', process.env.BENCH_PERF], { stdio: 'ignore' }) : null;
  if (perf) await sleep(300);
  const manualCpu0 = await cpuNow();
  const m0 = performance.now();
  const mWall = Date.now();
  await inParallel(n, 32, async (i) => {
    const r = await post(port, `/api/tasks/${ids[i]}/run`, {});
    if (r.status !== 202) throw new Error(`POST /run: ${r.status} ${r.text.slice(0, 300)}`);
  });
  const enqueueMs = performance.now() - m0;
  await until('the manual runs', Date.now() + 120_000, async () => (await succeeded('manual')) >= n);
  const manualCpu = perRun(manualCpu0, await cpuNow(), n);
  const manualWaits = await waits?.stop();
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((r) => perf.once('exit', r));
  }
  const manualPg = await pgStatsNow();
  const manual = await sql.query<{ last_ms: number; n: number }>(
    `select (extract(epoch from max(finished_at)) * 1000)::float8 as last_ms, count(*)::int as n from executions where trigger = 'manual' and status = 'succeeded'`,
  );
  const manualRow = manual.rows[0] ?? { last_ms: Number.NaN, n: 0 };
  const totalMs = manualRow.last_ms - mWall;
  // Why runs did not succeed, if any did not: a figure without them would hide failures.
  const notOk = await sql.query<{ status: string; type: string | null; n: number }>(
    `select status, error->>'type' as type, count(*)::int as n from executions where status <> 'succeeded' group by 1, 2 order by 3 desc`,
  );
  await sql.end();
  await Promise.all([api, sched].map((x) => stop(x.child)));
  // The bare client against the same chat server, with tickler's processes gone, as many in flight as
  // tickler's own client may use.
  const bare = await bareRate(chat, n, Number(P.env.OPENAI_MAX_CONNECTIONS ?? 256));
  const endToEnd = manualRow.n / (totalMs / 1000);
  const duePerSec = dueRow.n / (dueMs / 1000);
  return {
    targets: [
      target('no-op runs end to end (POST /run) vs 50% of the bare client rate', endToEnd, '>=', bare / 2, 'runs/s'),
      target('no-op runs due at once vs 50% of the bare client rate', duePerSec, '>=', bare / 2, 'runs/s'),
    ],
    bareClientPerSec: round(bare, 0),
    // CPU ms per run by process (/proc, 10 ms ticks), due-at-once window and manual-run window.
    cpuMsPerRun: { due: dueCpu, manual: manualCpu },
    ...(duePg ? { pgStats: { due: duePg, manual: manualPg } } : {}),
    // BENCH_PG_WAITS=1: wait-event samples of the database's active backends in the POST /run window.
    ...(manualWaits ? { pgWaits: manualWaits } : {}),
    notSucceeded: notOk.rows,
    n,
    createPerSec: round(n / (createMs / 1000), 0),
    setupOverran,
    dueCompleted: dueRow.n,
    dueAllDoneMs: round(dueMs, 0),
    duePerSec: round(dueRow.n / (dueMs / 1000), 0),
    completed: manualRow.n,
    enqueueMs: round(enqueueMs, 0),
    enqueuePerSec: round(n / (enqueueMs / 1000), 0),
    totalMs: round(totalMs, 0),
    endToEndPerSec: round(manualRow.n / (totalMs / 1000), 0),
  };
}

/**
 * Schedule creation through the API, after 500 creates of warm-up: 2,000 POST /api/tasks by one caller awaiting each, then n with 16
 * in flight, then n through POST /api/tasks/batch, 1,000 a request, one caller awaiting each batch.
 */
async function create() {
  const n = P.n as number;
  const port = await freePort();
  const api = await startTickler('api', { DATABASE_URL: P.pgUrl, PORT: String(port), AUTH_MODE: 'local', MAX_TASKS_PER_USER: '100000000' }, PROF_ARGS);
  const seqN = Math.min(2000, n);
  // A warm-up through the same route first, as every peer's measurement has one: a fresh process runs
  // its first creates at 60–70% of its steady rate while V8 compiles the path (measured 330–413/s over
  // the first 2,000, 530–706/s by the third).
  for (let i = 0; i < 500; i++) await createTask(port, { name: `w${i}`, prompt: 'x', schedule: { cron: distinctCron(n + i) } });
  let t0 = performance.now();
  for (let i = 0; i < seqN; i++) await createTask(port, { name: `a${i}`, prompt: 'x', schedule: { cron: distinctCron(i) } });
  const seqMs = performance.now() - t0;
  t0 = performance.now();
  await inParallel(n, 16, async (i) => void (await createTask(port, { name: `b${i}`, prompt: 'x', schedule: { cron: distinctCron(i) } })));
  const concMs = performance.now() - t0;
  const BATCH = 1000;
  t0 = performance.now();
  for (let from = 0; from < n; from += BATCH) {
    const tasks = Array.from({ length: Math.min(BATCH, n - from) }, (_, j) => ({ name: `c${from + j}`, prompt: 'x', schedule: { cron: distinctCron(from + j) }, timezone: 'UTC' }));
    const r = await post(port, '/api/tasks/batch', { tasks });
    if (r.status !== 201) throw new Error(`POST /api/tasks/batch: ${r.status} ${r.text.slice(0, 300)}`);
  }
  const batchMs = performance.now() - t0;
  await stop(api.child);
  const sequentialPerSec = round(seqN / (seqMs / 1000), 0);
  const batchPerSec = round(n / (batchMs / 1000), 0);
  return {
    n,
    sequentialPerSec,
    concurrentPerSec: round(n / (concMs / 1000), 0),
    batchPerSec,
    targets: [
      target('creates/s, one caller awaiting each POST /api/tasks', sequentialPerSec, '>=', 1000, '/s'),
      target(`creates/s through POST /api/tasks/batch (${BATCH} a request, one caller)`, batchPerSec, '>=', 10000, '/s'),
    ],
  };
}

/** Inserts n enabled tasks with distinct weekly crons (SQL, not the API); `dueAgoMs` puts them in the past. */
async function seed(n: number, dueAgoMs: number | null): Promise<number> {
  const db = await openDatabase({ url: P.pgUrl, logger: createLogger('warn', false), migrate: true, poolSize: 2 });
  await db.close();
  const c = new pg.Client({ connectionString: P.pgUrl });
  await c.connect();
  const t0 = performance.now();
  const { rows } = await c.query<{ id: string }>(`insert into users (name) values ('bench') returning id::text as id`);
  const next = dueAgoMs === null ? `now() + interval '400 days'` : `now() - make_interval(secs => ${dueAgoMs / 1000})`;
  for (let from = 1; from <= n; from += 100_000) {
    await c.query(
      `insert into tasks (user_id, name, prompt, schedule, timezone, next_run_at)
       select $1::bigint, 'scale ' || g, 'bench-' || g,
              jsonb_build_object('kind', 'cron', 'cron', (g % 60) || ' ' || ((g / 60) % 24) || ' * * ' ||
                (select string_agg(d::text, ',') from generate_series(0, 6) d where ((g / 1440) % 127 + 1) & (1 << d) <> 0)),
              'UTC', ${next}
         from generate_series($2::int, $3::int) g`,
      [rows[0]?.id, from, Math.min(n, from + 99_999)],
    );
  }
  await c.query('vacuum analyze tasks');
  await c.end();
  return performance.now() - t0;
}

/** A scheduler process started over n stored schedules: start-up, RSS after GC, idle CPU, worst stall. */
async function scale() {
  const n = P.n as number;
  // The same process over zero tasks first: what Node boot, module loading and connecting cost alone.
  await seed(0, null);
  const empty = await startTickler('scheduler', { DATABASE_URL: P.pgUrl, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'bench' });
  await stop(empty.child);
  const seedMs = await seed(n, null);
  const probeOut = join(tmpdir(), `tickler-probe-${process.pid}.json`);
  const s = await startTickler('scheduler', { DATABASE_URL: P.pgUrl, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'bench', BENCH_PROBE_OUT: probeOut }, [
    '--expose-gc',
    '--import',
    PROBE,
  ]);
  const sync = JSON.parse(s.log().split('\n').find((l) => l.includes('start-up sync done')) ?? '{}') as { ms?: number };
  const probe = async () => {
    rmSync(probeOut, { force: true });
    s.child.kill('SIGUSR2');
    for (let i = 0; i < 100; i++) {
      try {
        return JSON.parse(readFileSync(probeOut, 'utf8')) as Record<string, number>;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('the probe did not answer');
  };
  await sleep(3_000);
  await probe(); // opens the idle window
  await sleep(P.idleMs ?? 10_000);
  const idle = await probe();
  const sql = new pg.Client({ connectionString: P.pgUrl });
  await sql.connect();
  const size = await sql.query<{ mb: number }>(`select pg_total_relation_size('tasks') / 1048576.0 as mb`);
  await sql.end();
  await stop(s.child);
  rmSync(probeOut, { force: true });
  return {
    n,
    seedMs: round(seedMs, 0),
    seedPerSec: round(n / (seedMs / 1000), 0),
    startupMs: round(s.startupMs, 0),
    emptyStartupMs: round(empty.startupMs, 0),
    syncMs: sync.ms ?? null,
    rssMB: round(idle.rssMB as number),
    maxRssMB: round(idle.maxRssMB as number),
    idle: { windowMs: round(idle.windowMs as number, 0), cpuPctOfOneCore: round(idle.cpuPctOfOneCore as number), maxLoopStallMs: round(idle.maxLoopStallMs as number) },
    store: `tasks table ${round(Number(size.rows[0]?.mb), 1)} MB`,
  };
}

/** Start-up sync over n tasks all past due (downtime): the misfire policy applied to every one. */
async function pastDue() {
  const n = P.n as number;
  await seed(n, 10 * 60_000);
  const s = await startTickler('scheduler', {
    DATABASE_URL: P.pgUrl,
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    OPENAI_API_KEY: 'bench',
    SHUTDOWN_GRACE_SECONDS: '0',
  });
  const sync = JSON.parse(s.log().split('\n').find((l) => l.includes('start-up sync done')) ?? '{}') as { ms?: number; pastDue?: number; phasesMs?: Record<string, number> };
  await stop(s.child);
  return { n, startupMs: round(s.startupMs, 0), syncMs: sync.ms ?? null, pastDue: sync.pastDue ?? null, phasesMs: sync.phasesMs ?? null };
}

const tests: Record<string, () => Promise<Record<string, unknown>>> = { lateness, throughput, create, scale, pastdue: pastDue };
const fn = tests[P.test];
if (!fn) throw new Error(`unknown test ${P.test}`);
const t0 = performance.now();
const result = await fn();
writeFileSync(P.out, JSON.stringify({ ...result, childWallMs: round(performance.now() - t0, 0), node: process.version }, null, 2));
process.exit(0);
