// bench/fire.ts — fire lateness of tickler, measured through its public interfaces: tasks created
// over the HTTP API, fired by separate scheduler processes, observed at a zero-latency chat server
// (the runner's first request) and in the executions table (the engine's start).
//   node bench/fire.ts [--k 1,1000,10000] [--replicas 1,3] [--scale 1000000] [--pastdue 100000] [--quick]
// Prints tables (with how the burst was shared: fires started per replica) and writes
// bench/results/fire.json. --scale 0 / --pastdue 0 skip those runs;
// FIRE_PROF=dir writes CPU profiles of the schedulers; TICKLER_DEBUG=1 prints each due instant's
// hand-off time and, around the instant, what PostgreSQL is busy with (pg_stat_activity).
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createLogger } from '../src/log.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { freePort, httpRequest, machine, NO_RATE_LIMITS, pct, table, freshDb as freshDbOn } from './lib.ts';

const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '1,1000,10000' },
    replicas: { type: 'string', default: '1,3' },
    scale: { type: 'string', default: '1000000' },
    pastdue: { type: 'string', default: '100000' },
    quick: { type: 'boolean', default: false },
  },
});
const KS = (values.quick ? '1,1000' : values.k).split(',').map(Number);
const REPLICAS = values.replicas.split(',').map(Number);
const SCALE = values.quick ? 100_000 : Number(values.scale);
const PAST_DUE = values.quick ? 20_000 : Number(values.pastdue);
const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'src/main.ts');
const logger = createLogger('warn', false);

const dir = await mkdtemp(join(tmpdir(), 'tickler-fire-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, logger });
const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);

const freshDb = (name: string) => freshDbOn(server.url, name);

async function dropDb(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

const chat = fork(join(import.meta.dirname, 'chat-server.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
children.add(chat);
const chatUrl = await new Promise<string>((resolve) => chat.once('message', (m: { url: string }) => resolve(m.url)));
function chatCall<T>(cmd: string): Promise<T> {
  return new Promise((resolve) => {
    chat.once('message', (m: T) => resolve(m));
    chat.send({ cmd });
  });
}

/** Starts `node src/main.ts <mode>`; resolves once it logs that it is up. */
async function startTickler(mode: 'api' | 'scheduler', env: Record<string, string>): Promise<{ child: ChildProcess; log: () => string }> {
  // FIRE_PROF=dir writes a CPU profile of each scheduler process there (node --cpu-prof).
  const prof = process.env.FIRE_PROF && mode === 'scheduler' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FIRE_PROF}`] : [];
  if (process.env.FIRE_NODE_ARGS && mode === 'scheduler') prof.push(...process.env.FIRE_NODE_ARGS.split(' '));
  const child = spawn(process.execPath, [...prof, MAIN, mode], {
    // A scheduler's probe listener on a port of its own (several replicas run side by side).
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: process.env.TICKLER_DEBUG && mode === 'scheduler' ? 'debug' : 'info', ...NO_RATE_LIMITS, ...(mode === 'scheduler' ? { PORT: '0' } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
    // TICKLER_DEBUG=1: each due instant's hand-off time (a scheduler debug line) on stderr.
    if (process.env.TICKLER_DEBUG) for (const l of String(d).split('\n')) if (l.includes('due instant')) console.error(l);
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const ready = mode === 'api' ? 'tickler listening' : 'start-up sync done';
  const deadline = Date.now() + 180_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${mode} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, log: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const post = async (port: number, path: string, body: unknown) => (await httpRequest(agent, port, 'POST', path, JSON.stringify(body))).status;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? Number.NaN };
};

interface FireResult {
  k: number;
  replicas: number;
  createdPerSecond: number;
  started: number;
  arrived: number;
  duplicates: number;
  lost: number;
  engineStart: ReturnType<typeof stats>;
  /** Fires started per replica, most first, and the largest as a share of all started. */
  perReplica: number[];
  maxSharePercent: number;
  chatArrival: ReturnType<typeof stats>;
}

/** K daily tasks due at the same whole second T, fired by `replicas` scheduler processes. */
async function fireRun(k: number, replicas: number): Promise<FireResult> {
  const name = `fire_${replicas}_${k}`;
  const url = await freshDb(name);
  const common = { DATABASE_URL: url, OPENAI_BASE_URL: chatUrl, OPENAI_API_KEY: 'bench', RUNNER_CONCURRENCY: String(k + 100), DB_POOL_SIZE: '20' };
  const port = await freePort();
  const api = await startTickler('api', { ...common, PORT: String(port), AUTH_MODE: 'local', MAX_TASKS_PER_USER: '100000000' });
  // A scheduler process serves its probes on PORT: any free one.
  const scheds = await Promise.all(Array.from({ length: replicas }, () => startTickler('scheduler', { ...common, PORT: '0' })));
  await chatCall('reset');
  // Due far enough ahead that every task exists before the look-ahead window opens.
  const warm = Math.min(k, 500);
  // 4 ms per create: this shared 2-core machine creates ~250/s under load (1.2 ms ran into the window).
  const T = new Date(Math.ceil((Date.now() + 9_000 + (k + warm) * 4) / 1000) * 1000);
  const daily = (at: Date) => `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  const createAll = async (n: number, prompt: string, cron: string) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let i = next++; i < n; i = next++) {
          const status = await post(port, '/api/tasks', { name: `${prompt} ${i}`, prompt: `${prompt}-${i}`, schedule: { cron }, timezone: 'UTC' });
          if (status !== 201) throw new Error(`create failed with ${status}`);
        }
      }),
    );
  };
  // A long-running scheduler is warm (JIT, database and LLM connection pools): a warm-up batch fires
  // three seconds before the measured instant, as the peer bench warms each peer up first.
  await createAll(warm, 'warm', daily(new Date(T.getTime() - 3000)));
  const t0 = performance.now();
  await createAll(k, 'bench', daily(T));
  const createdPerSecond = k / ((performance.now() - t0) / 1000);
  if (Date.now() > T.getTime() - 5_500) console.warn(`  warning: creating ${k} tasks ran into the look-ahead window`);
  const check = new pg.Client({ connectionString: url });
  await check.connect();
  const deadline = T.getTime() + 120_000;
  for (;;) {
    const { rows } = await check.query(`select count(*)::int as n from executions where status in ('succeeded', 'failed')`);
    if (rows[0].n >= k + warm || Date.now() > deadline) break;
    if (process.env.TICKLER_DEBUG && Date.now() > T.getTime() - 500) {
      const act = await check.query(
        `select pid, state, wait_event_type as wt, wait_event as w, round(extract(epoch from now() - query_start) * 1000) as ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) as q
           from pg_stat_activity where state <> 'idle' and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      );
      console.error(`t+${Date.now() - T.getTime()} ms: ${rows[0].n} done; ${JSON.stringify(act.rows)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const starts = await check.query<{ lag: number; n: number }>(
    `select (extract(epoch from (e.started_at - e.scheduled_for)) * 1000)::float8 as lag
       from executions e join tasks t on t.id = e.task_id where e.started_at is not null and t.prompt like 'bench-%'`,
  );
  const perTask = await check.query<{ dup: number; missing: number }>(
    `select (select count(*) from (select task_id from executions group by task_id having count(*) > 1) d)::int as dup,
            (select count(*) from tasks t where t.prompt like 'bench-%' and not exists (select 1 from executions e where e.task_id = t.id))::int as missing`,
  );
  // How the burst was shared: the replica that claimed (and started) the most, as a share of K.
  const owners = await check.query<{ n: number }>(
    `select count(*)::int as n from executions e join tasks t on t.id = e.task_id
      where e.started_at is not null and t.prompt like 'bench-%' group by e.owner order by n desc`,
  );
  await check.end();
  const report = await chatCall<{ arrivals: Array<[number, number]> }>('report');
  const firstArrival = new Map<number, number>();
  let dupArrivals = 0;
  for (const [i, at] of report.arrivals) {
    if (firstArrival.has(i)) dupArrivals++;
    else firstArrival.set(i, at);
  }
  await Promise.all([api, ...scheds].map((p) => stop(p.child)));
  await dropDb(name);
  return {
    k,
    replicas,
    createdPerSecond,
    started: starts.rows.length,
    arrived: firstArrival.size,
    duplicates: (perTask.rows[0]?.dup ?? 0) + dupArrivals,
    lost: Math.max(perTask.rows[0]?.missing ?? 0, k - firstArrival.size),
    engineStart: stats(starts.rows.map((r) => r.lag)),
    perReplica: owners.rows.map((r) => r.n),
    maxSharePercent: starts.rows.length ? ((owners.rows[0]?.n ?? 0) / starts.rows.length) * 100 : Number.NaN,
    chatArrival: stats([...firstArrival.values()].map((at) => at - T.getTime())),
  };
}

/** The transport floor: K requests sent at once from a plain process to the same chat server. */
async function transportFloor(k: number) {
  await chatCall('reset');
  const floorAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'x' }] });
  const u = new URL(chatUrl);
  const send = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const data = body.replace('"x"', `"bench-${i}"`);
      const req = http.request(
        { host: u.hostname, port: u.port, path: '/v1/chat/completions', method: 'POST', agent: floorAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  await Promise.all(Array.from({ length: 300 }, (_, i) => send(i)));
  await chatCall('reset');
  const T = performance.timeOrigin + performance.now();
  await Promise.all(Array.from({ length: k }, (_, i) => send(i)));
  const r = await chatCall<{ arrivals: Array<[number, number]> }>('report');
  floorAgent.destroy();
  return stats(r.arrivals.map(([, at]) => at - T));
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Inserts `n` enabled tasks with distinct weekly crons; `dueAgoMs` puts their next run in the past. */
async function seedTasks(url: string, n: number, dueAgoMs: number | null): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`insert into users (name) values ('bench')`);
  // 167,640 distinct weekly patterns exist: minute × hour × a non-empty set of weekdays.
  await c.query(
    `insert into tasks (user_id, name, prompt, schedule, timezone, next_run_at)
     select 1, 'scale ' || g, 'bench-' || g,
            jsonb_build_object('kind', 'cron', 'cron', (g % 60) || ' ' || ((g / 60) % 24) || ' * * ' ||
              (select string_agg(d::text, ',') from generate_series(0, 6) d where ((g / 1440) % 127 + 1) & (1 << d) <> 0)),
            'UTC', ${dueAgoMs === null ? `now() + interval '400 days'` : `now() - make_interval(secs => ${dueAgoMs / 1000})`}
       from generate_series(1, $1) g`,
    [n],
  );
  await c.query('vacuum analyze tasks');
  await c.end();
}

async function scaleRun(n: number) {
  const url = await freshDb('fire_scale');
  await seedTasks(url, n, null);
  const t0 = performance.now();
  const s = await startTickler('scheduler', { DATABASE_URL: url, OPENAI_BASE_URL: chatUrl, OPENAI_API_KEY: 'bench', PORT: '0' });
  const startupMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5_000));
  const pid = s.child.pid as number;
  const cpu0 = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, 10_000));
  const idleCpu = ((cpuSeconds(pid) - cpu0) / 10) * 100;
  const rss = rssMb(pid);
  await stop(s.child);
  await dropDb('fire_scale');
  return { tasks: n, startupMs, rssMb: rss, idleCpuPercent: idleCpu };
}

async function pastDueRun(n: number) {
  const url = await freshDb('fire_pastdue');
  await seedTasks(url, n, 10 * 60_000);
  const s = await startTickler('scheduler', { DATABASE_URL: url, OPENAI_BASE_URL: chatUrl, OPENAI_API_KEY: 'bench', RUNNER_CONCURRENCY: '200', PORT: '0' });
  const line = s.log().split('\n').find((l) => l.includes('start-up sync done')) ?? '{}';
  const sync = JSON.parse(line) as { ms?: number; pastDue?: number };
  await stop(s.child);
  await dropDb('fire_pastdue');
  return { tasks: n, syncMs: sync.ms ?? Number.NaN, pastDue: sync.pastDue ?? 0 };
}

const results: Record<string, unknown> = { machine: machine(), settings: { ks: KS, replicas: REPLICAS, scale: SCALE, pastDue: PAST_DUE } };
try {
  const fires: FireResult[] = [];
  for (const r of REPLICAS) {
    for (const k of KS) {
      const res = await fireRun(k, r);
      fires.push(res);
      console.error(
        `  K=${k} replicas=${r}: chat p99 ${res.chatArrival.p99.toFixed(1)} ms, engine p99 ${res.engineStart.p99.toFixed(1)} ms, dupes ${res.duplicates}, lost ${res.lost}, started per replica ${res.perReplica.join('/')} (max ${res.maxSharePercent.toFixed(1)} %)`,
      );
    }
  }
  const floors = [];
  for (const k of KS) floors.push({ k, ...(await transportFloor(k)) });
  // --scale 0 / --pastdue 0 skip those runs (e.g. while profiling the fire path).
  const scale = SCALE > 0 ? await scaleRun(SCALE) : null;
  const pastDue = PAST_DUE > 0 ? await pastDueRun(PAST_DUE) : null;
  Object.assign(results, { fires, floors, scale, pastDue });

  const f1 = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : '—');
  console.log('\n#### tickler fire lateness (ms after the scheduled instant)\n');
  console.log(
    table(
      ['K', 'replicas', 'engine start p50', 'p99', 'max', 'chat request p50', 'p99', 'max', 'dupes', 'lost', 'created/s', 'largest replica share'],
      fires.map((f) => [
        f.k,
        f.replicas,
        f1(f.engineStart.p50),
        f1(f.engineStart.p99),
        f1(f.engineStart.max),
        f1(f.chatArrival.p50),
        f1(f.chatArrival.p99),
        f1(f.chatArrival.max),
        f.duplicates,
        f.lost,
        f1(f.createdPerSecond),
        `${f1(f.maxSharePercent)} % (${f.perReplica.join('/')})`,
      ]),
    ),
  );
  console.log('\n#### transport floor: K requests sent at once by a bare http client to the same chat server (ms)\n');
  console.log(table(['K', 'p50', 'p99', 'max'], floors.map((f) => [f.k, f1(f.p50), f1(f.p99), f1(f.max)])));
  const scaleRows: Array<[string, string]> = [];
  if (scale) {
    scaleRows.push([`scheduler RSS holding ${SCALE.toLocaleString('en-US')} enabled tasks`, `${f1(scale.rssMb)} MB`]);
    scaleRows.push(['its start-up (to start-up sync done)', `${f1(scale.startupMs)} ms`]);
    scaleRows.push(['its idle CPU', `${scale.idleCpuPercent.toFixed(1)} % of a core`]);
  }
  if (pastDue) scaleRows.push([`start-up sync with ${PAST_DUE.toLocaleString('en-US')} tasks past due`, `${f1(pastDue.syncMs)} ms (${pastDue.pastDue} handled)`]);
  if (scaleRows.length) {
    console.log('\n#### scale\n');
    console.log(table(['measure', 'value'], scaleRows));
  }
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'fire.json'), JSON.stringify(results, null, 2));
} finally {
  killAll();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
