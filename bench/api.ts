// bench/api.ts — HTTP API throughput and latency on the embedded PostgreSQL, beside the ceiling:
// plain `pg` single-row INSERTs on the same server in the same run.
//   node bench/api.ts [--creates 10000] [--reads 20000] [--clients 32]
// Prints a table and writes bench/results/api.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort, httpRequest, machine, NO_RATE_LIMITS, pct, table } from './lib.ts';

const { values } = parseArgs({
  options: { creates: { type: 'string', default: '10000' }, reads: { type: 'string', default: '20000' }, clients: { type: 'string', default: '32' } },
});
const CREATES = Number(values.creates);
const READS = Number(values.reads);
const CLIENTS = Number(values.clients);
const root = join(import.meta.dirname, '..');

async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const prof = process.env.API_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.API_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, join(root, 'src/main.ts'), 'api'], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', AUTH_MODE: 'local', MAX_TASKS_PER_USER: '100000000', MIN_INTERVAL_SECONDS: '1', DB_POOL_SIZE: '32', ...NO_RATE_LIMITS },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.ok) return child;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

const request = (port: number, method: string, path: string, body?: string) => httpRequest(agent, port, method, path, body);

/** Runs `total` operations with `clients` in flight; returns per-op latencies (ms) and ops/s. */
async function load(total: number, clients: number, op: (i: number) => Promise<void>) {
  const lat: number[] = new Array(total);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const s = performance.now();
        await op(i);
        lat[i] = performance.now() - s;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSecond: total / secs, p50: pct(lat, 50), p99: pct(lat, 99), max: lat[lat.length - 1] ?? 0 };
}

const dir = await mkdtemp(join(tmpdir(), 'tickler-bench-api-'));
await chmod(dir, 0o755);
const port = await freePort();
const server = await startServer(join(dir, 'data'), port);
const results: Record<string, unknown> = { machine: machine(), creates: CREATES, reads: READS, clients: CLIENTS };
try {
  const state = JSON.parse(await readFile(join(dir, 'data', 'postgres.json'), 'utf8')) as { port: number; password: string };
  const dbUrl = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/postgres`;

  // Warm up (JIT, pool, caches) before measuring.
  const body = (i: number) => JSON.stringify({ name: `bench ${i}`, prompt: 'Summarize the top stories', schedule: { cron: `${i % 60} ${i % 24} * * 1-5` }, timezone: 'Europe/Paris' });
  await load(500, CLIENTS, async (i) => {
    await request(port, 'POST', '/api/tasks', body(i));
  });
  const ids: string[] = [];
  const creates = await load(CREATES, CLIENTS, async (i) => {
    const r = await request(port, 'POST', '/api/tasks', body(i));
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
    ids.push((JSON.parse(r.text) as { id: string }).id);
  });
  const reads = await load(READS, CLIENTS, async (i) => {
    const r = await request(port, 'GET', `/api/tasks/${ids[i % ids.length]}`);
    if (r.status !== 200) throw new Error(`read failed: ${r.status}`);
  });

  // The ceiling: one-row INSERT + commit per call, straight to the same server.
  const pool = new pg.Pool({ connectionString: dbUrl, max: CLIENTS });
  await pool.query('create table if not exists bench_rows (id bigint generated always as identity primary key, name text, created_at timestamptz default now())');
  const raw1 = await load(2000, 1, async (i) => {
    await pool.query('insert into bench_rows (name) values ($1)', [`r${i}`]);
  });
  const rawN = await load(CREATES, CLIENTS, async (i) => {
    await pool.query('insert into bench_rows (name) values ($1)', [`r${i}`]);
  });
  await pool.end();

  Object.assign(results, { creates_: creates, reads_: reads, rawInsert1: raw1, rawInsertN: rawN });
  const f = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const ms = (n: number) => n.toFixed(1);
  console.log(
    table(
      ['operation', 'clients', 'ops/s', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['POST /api/tasks', CLIENTS, f(creates.perSecond), ms(creates.p50), ms(creates.p99), ms(creates.max)],
        ['GET /api/tasks/:id', CLIENTS, f(reads.perSecond), ms(reads.p50), ms(reads.p99), ms(reads.max)],
        ['raw pg INSERT (ceiling)', 1, f(raw1.perSecond), ms(raw1.p50), ms(raw1.p99), ms(raw1.max)],
        ['raw pg INSERT (ceiling)', CLIENTS, f(rawN.perSecond), ms(rawN.p50), ms(rawN.p99), ms(rawN.max)],
      ],
    ),
  );
  console.log(`\ncreates reach ${((creates.perSecond / rawN.perSecond) * 100).toFixed(0)}% of the raw INSERT rate at ${CLIENTS} clients`);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'api.json'), JSON.stringify(results, null, 2));
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await rm(dir, { recursive: true, force: true });
}
