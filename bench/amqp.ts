// bench/amqp.ts — fires handed to RabbitMQ: K amqp tasks due at one instant, fired by a real
// `node src/main.ts scheduler` process with AMQP_URL (the polling-daemon-to-broker deployment),
// received by an amqplib consumer in this process that acks each message. Prints, per K, the
// hand-off rate (K ÷ the time from the instant to the last message's arrival) and the lateness of
// arrival after the instant (p50, p99, max), and checks that each execution id arrived once.
//   node bench/amqp.ts [--k 1000,10000]        (also: npm run bench -- --test=amqp)
// Needs Debian's rabbitmq-server (started here on free ports with its own data dir, as the tests do).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { createLogger } from '../src/log.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';
import { rabbitmqAvailable, startRabbit } from '../test/support/rabbitmq.ts';
import { machine, NO_RATE_LIMITS, pct, table, freshDb as freshDbOn } from './lib.ts';

const { values } = parseArgs({ options: { k: { type: 'string', default: '1000,10000' } } });
const KS = values.k.split(',').map(Number);
const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'src/main.ts');
const EXCHANGE = 'bench.fires';
const QUEUE = 'bench.workers';
// Far enough ahead that the K rows are inserted and the scheduler has claimed them before the instant.
const LEAD_MS = 8_000;
const logger = createLogger('warn', false);

if (!rabbitmqAvailable()) process.exit(0);

const dir = await mkdtemp(join(tmpdir(), 'tickler-amqp-bench-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: dir, logger });
const rabbit = await startRabbit();
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const freshDb = (name: string) => freshDbOn(server.url, name);

async function startScheduler(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, 'scheduler'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', ...NO_RATE_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 120_000;
  while (!out.includes('start-up sync done')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the scheduler did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

interface Result {
  k: number;
  received: number;
  duplicates: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function measure(k: number): Promise<Result> {
  const url = await freshDb(`amqp_bench_${k}`);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const { rows: users } = await pool.query<{ id: string }>(`insert into users (name) values ('bench') returning id::text as id`);
  const conn = await amqp.connect(rabbit.url);
  const ch = await conn.createChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  await ch.assertQueue(QUEUE, { durable: true });
  await ch.purgeQueue(QUEUE);
  await ch.bindQueue(QUEUE, EXCHANGE, 'fire.#');
  await ch.prefetch(1000);
  const scheduler = await startScheduler({ DATABASE_URL: url, AMQP_URL: rabbit.url, RUNNER_CONCURRENCY: '64' });
  try {
    const at = new Date(Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000);
    const action = JSON.stringify({ kind: 'amqp', exchange: EXCHANGE, routingKey: 'fire.bench', payload: { bench: true } });
    await pool.query(
      `insert into tasks (user_id, name, schedule, timezone, next_run_at, action)
       select $1, 'amqp ' || g, $2::jsonb, 'UTC', $3, $4::jsonb from generate_series(1, $5) g`,
      [users[0]?.id, JSON.stringify({ kind: 'once', at: at.toISOString() }), at.toISOString(), action, k],
    );
    await pool.query(`select pg_notify('tickler_tasks', '{"op":"created"}')`).catch(() => undefined);
    const seen = new Map<string, number>();
    const lateness: number[] = [];
    let last = 0;
    const all = new Promise<void>((resolve) => {
      void ch.consume(QUEUE, (m) => {
        if (!m) return;
        const now = Date.now();
        const id = String(m.properties.messageId);
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (seen.get(id) === 1) {
          const body = JSON.parse(m.content.toString()) as { scheduledFor: string };
          lateness.push(now - Date.parse(body.scheduledFor));
          last = now;
        }
        ch.ack(m);
        if (lateness.length === k) resolve();
      });
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${lateness.length} of ${k} messages within 120 s of the instant`)), LEAD_MS + 120_000).unref());
    await Promise.race([all, timeout]);
    // A little longer for duplicates, which would arrive after the first copies.
    await new Promise((r) => setTimeout(r, 1000));
    lateness.sort((a, b) => a - b);
    // Where the time went: the engine's start, the dispatch commit (execution + outbox row) and the broker's confirm.
    const { rows: stages } = await pool.query<{ claimed: number; started: number; dispatched: number; confirmed: number; run50: number; run99: number }>(
      `select percentile_disc(0.99) within group (order by extract(epoch from x.created_at - x.scheduled_for) * 1000) as claimed,
              percentile_disc(0.99) within group (order by extract(epoch from x.started_at - x.scheduled_for) * 1000) as started,
              percentile_disc(0.99) within group (order by extract(epoch from x.finished_at - x.scheduled_for) * 1000) as dispatched,
              percentile_disc(0.99) within group (order by extract(epoch from o.sent_at - x.scheduled_for) * 1000) as confirmed,
              percentile_disc(0.5) within group (order by extract(epoch from x.finished_at - x.started_at) * 1000) as run50,
              percentile_disc(0.99) within group (order by extract(epoch from x.finished_at - x.started_at) * 1000) as run99
         from executions x join amqp_outbox o on o.execution_id = x.id`,
    );
    const st = stages[0];
    if (st) {
      const r = (v: number) => Math.round(v);
      console.log(
        `  K=${k} p99 after the instant: claimed ${r(st.claimed)} ms, started ${r(st.started)} ms, dispatched ${r(st.dispatched)} ms, confirmed ${r(st.confirmed)} ms; start to dispatch per fire p50 ${r(st.run50)} ms, p99 ${r(st.run99)} ms`,
      );
    }
    const spanMs = Math.max(1, last - at.getTime());
    return {
      k,
      received: lateness.length,
      duplicates: [...seen.values()].reduce((n, c) => n + c - 1, 0),
      perSecond: Math.round((k * 1000) / spanMs),
      p50Ms: pct(lateness, 50),
      p99Ms: pct(lateness, 99),
      maxMs: lateness[lateness.length - 1] ?? 0,
    };
  } finally {
    await stop(scheduler);
    await conn.close().catch(() => undefined);
    await pool.end();
  }
}

const results: Result[] = [];
try {
  for (const k of KS) {
    const r = await measure(k);
    results.push(r);
    console.log(`amqp K=${k}: ${r.perSecond} fires/s handed to RabbitMQ, arrival p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms after the instant, ${r.duplicates} duplicates`);
  }
} finally {
  await rabbit.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

console.log(
  `\n${table(
    ['K', 'received', 'fires/s to RabbitMQ', 'p50 ms', 'p99 ms', 'max ms', 'duplicates'],
    results.map((r) => [r.k, r.received, r.perSecond, r.p50Ms, r.p99Ms, r.maxMs, r.duplicates]),
  )}`,
);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'amqp.json'), `${JSON.stringify({ machine: machine(), results }, null, 2)}\n`);
