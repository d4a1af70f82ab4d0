// bench/run-now.ts — POST /api/tasks/:id/run throughput over HTTP (no scheduler: runs stay queued),
// by the task rules the statement that queues a run checks: overlap "allow" without a budget (no
// check), a monthly token budget (this month's tokens summed per run), overlap "skip" (one run a
// task: the rest are 409s, which are counted, not failed).
//   node bench/run-now.ts [--runs 5000] [--clients 32] [--tasks 200]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, httpRequest, NO_RATE_LIMITS } from './lib.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5000' }, clients: { type: 'string', default: '32' }, tasks: { type: 'string', default: '200' } } });
const RUNS = Number(values.runs);
const CLIENTS = Number(values.clients);
const TASKS = Number(values.tasks);
const root = join(import.meta.dirname, '..');

const dataDir = await mkdtemp(join(tmpdir(), 'tickler-run-now-'));
const port = await freePort();
const child = spawn(process.execPath, [join(root, 'src/main.ts'), 'api'], {
  env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', AUTH_MODE: 'local', MAX_TASKS_PER_USER: '1000000', MIN_INTERVAL_SECONDS: '1', DB_POOL_SIZE: '32', ...NO_RATE_LIMITS },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
const post = (path: string, body: unknown = {}) => httpRequest(agent, port, 'POST', path, JSON.stringify(body));
try {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await httpRequest(agent, port, 'GET', '/readyz').then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const [label, fields] of [
    ['overlap allow, no budget', { overlap: 'allow' }],
    ['overlap allow, monthly budget', { overlap: 'allow', monthlyTokenBudget: 1_000_000_000 }],
    ['overlap skip', { overlap: 'skip' }],
  ] as const) {
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const r = await post('/api/tasks', { name: `run-now ${i}`, schedule: { every: '1h' }, ...fields });
      if (r.status !== 201) throw new Error(`POST /api/tasks: ${r.status} ${r.text}`);
      ids.push((JSON.parse(r.text) as { id: string }).id);
    }
    const counts = new Map<number, number>();
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < RUNS) {
          const r = await post(`/api/tasks/${ids[next++ % ids.length]}/run`);
          counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
        }
      }),
    );
    const s = (performance.now() - t0) / 1000;
    const statuses = [...counts].map(([k, v]) => `${v} × ${k}`).join(', ');
    console.log(`${label}: ${RUNS} requests in ${s.toFixed(2)} s = ${Math.round(RUNS / s)}/s (${statuses})`);
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  agent.destroy();
  await rm(dataDir, { recursive: true, force: true });
}
