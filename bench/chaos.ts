// bench/chaos.ts — exactly-once under failure: scheduler replicas (`node src/main.ts scheduler`) on one
// PostgreSQL fire a few thousand tasks over a window while a loop SIGKILLs a random replica every few
// seconds (and starts it again), and PostgreSQL itself is stopped and started once. Afterwards, from the
// database and from the chat server the runs call: lost fires, duplicate fires, duplicate starts,
// executions not in a terminal status, interrupted runs not retried, lateness.
//   npx node bench/chaos.ts [--fires 10000] [--seconds 120] [--replicas 3] [--kill-min 3] [--kill-max 6]
//                           [--lease 3] [--cron-share 0.3] [--no-pg-restart] [--seed 1]
// Prints the counts and exits 1 if any lost, duplicate or non-terminal fire was found.
// The test suite runs a ~30 s version (test/integration/chaos.test.ts) through runChaos().
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Cron } from 'croner';
import pg from 'pg';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/models/embedded.ts';
import { pct } from './lib.ts';
import { mulberry32 } from '../test/support/prng.ts';

export interface ChaosOptions {
  /** Fires due inside the window (one-off tasks plus a share from every-2-seconds cron tasks). */
  fires: number;
  seconds: number;
  replicas: number;
  /** A random replica is SIGKILLed every killMin..killMax seconds, then started again. */
  killMin: number;
  killMax: number;
  leaseSeconds: number;
  /** Part of the fires that come from recurring 6-field cron tasks instead of one-offs. */
  cronShare: number;
  pgRestart: boolean;
  /** How long PostgreSQL stays down between its stop and its start. */
  pgDownMs: number;
  /** How long the survivors get to drain after the window (retries of interrupted runs included). */
  drainSeconds: number;
  seed: number;
  /** Progress lines (the CLI prints them; tests may keep them quiet). */
  log: (line: string) => void;
}

export interface ChaosReport {
  expected: number;
  oneOffs: number;
  cronFires: number;
  executions: number;
  byStatus: Record<string, number>;
  lost: number;
  notRun: number;
  /** Cron occurrences missed while their replica was dead and coalesced into a later catch-up (run_once). */
  coalesced: number;
  duplicateFires: number;
  duplicateStarts: number;
  nonTerminal: number;
  interrupted: number;
  interruptedNotRetried: number;
  kills: number;
  restartsFailed: number;
  pgRestarts: number;
  pgDownMs: number | null;
  chatRequests: number;
  lateness: { p50: number; p99: number; max: number; over1s: number };
  wallSeconds: number;
  /** A few rows behind each non-zero count. */
  samples: Record<string, unknown[]>;
}

const i1Count = (rows: Array<{ n: number }>) => rows[0]?.n ?? 0;
const TERMINAL = ['succeeded', 'failed', 'missed', 'skipped', 'interrupted', 'cancelled'];
const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'src', 'main.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Replica {
  child: ChildProcess | null;
  starting: Promise<boolean> | null;
}

/** Runs the chaos scenario end to end and returns the counts; never leaves a process or server behind. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  // Seeded: the kill sequence of a run can be replayed with --seed.
  const rand = mulberry32(o.seed);
  const logger = createLogger('warn', false);
  const dir = await mkdtemp(join(tmpdir(), 'tickler-chaos-'));
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'pg');
  const logs: WriteStream = createWriteStream(join(dir, 'replicas.log'));
  const children = new Set<ChildProcess>();
  const killAll = () => {
    for (const c of children) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  let server: EmbeddedDatabase | null = null;
  // Ctrl-C or a time limit: nothing outlives the run (replicas, chat server, PostgreSQL).
  const onSignal = () => {
    killAll();
    void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let chat: ChildProcess | null = null;
  let stopping = false;
  try {
    server = await startEmbeddedPostgres({ dataDir, logger });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database chaos');
    await admin.end();
    const url = Object.assign(new URL(server.url), { pathname: '/chaos' }).toString();
    const db = await openDatabase({ url, logger, migrate: true, poolSize: 2 });
    await db.close();

    chat = fork(join(import.meta.dirname, 'chat-server.ts'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(chat);
    const chatProc = chat;
    const chatUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the chat server did not start within 30 s')), 30_000);
      chatProc.once('message', (m) => {
        clearTimeout(timer);
        resolve((m as { url: string }).url);
      });
    });
    const chatReport = () =>
      new Promise<{ arrivals: Array<[number, number]>; count: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the chat server did not report within 30 s')), 30_000);
        chatProc.once('message', (m) => {
          clearTimeout(timer);
          resolve(m as { arrivals: Array<[number, number]>; count: number });
        });
        chatProc.send({ cmd: 'report' });
      });

    // ------------------------------------------------------------ replicas
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: url,
      OPENAI_BASE_URL: chatUrl,
      OPENAI_API_KEY: 'chaos',
      LOG_LEVEL: 'info',
      SCHEDULER_LEASE_SECONDS: String(o.leaseSeconds),
      SHUTDOWN_GRACE_SECONDS: '2',
      DB_POOL_SIZE: '10',
      // Each replica's probe listener (/healthz, /readyz, /metrics) on a port of its own.
      PORT: '0',
    };
    const replicas: Replica[] = Array.from({ length: o.replicas }, () => ({ child: null, starting: null }));
    let restartsFailed = 0;
    const start = (r: Replica, n: number): Promise<boolean> => {
      r.starting ??= (async () => {
        const child = spawn(process.execPath, [MAIN, 'scheduler'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        child.once('exit', () => children.delete(child));
        let out = '';
        const collect = (d: Buffer) => {
          logs.write(`[replica ${n} pid ${child.pid}] ${d}`);
          if (out.length < 100_000) out += d;
        };
        child.stdout?.on('data', collect);
        child.stderr?.on('data', collect);
        const deadline = Date.now() + 30_000;
        while (!out.includes('start-up sync done')) {
          if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
            child.kill('SIGKILL');
            restartsFailed++;
            return false;
          }
          await sleep(20);
        }
        r.child = child;
        return true;
      })().finally(() => {
        r.starting = null;
      });
      return r.starting;
    };
    const ensureUp = async (r: Replica, n: number, until: number) => {
      while (!stopping && Date.now() < until) {
        if (r.child && r.child.exitCode === null && r.child.signalCode === null) return;
        if (await start(r, n)) return;
        await sleep(500);
      }
    };
    const ok = await Promise.all(replicas.map((r, i) => start(r, i)));
    if (!ok.every(Boolean)) throw new Error('the replicas did not start; see the replica log');

    // ------------------------------------------------------------ tasks (SQL, as many clients would have made them)
    const sql = new pg.Pool({ connectionString: url, max: 4 });
    // Idle connections die with the PostgreSQL restart; the next query reconnects.
    sql.on('error', () => undefined);
    const { rows: users } = await sql.query<{ id: string }>(`insert into users (name) values ('chaos') returning id::text as id`);
    const userId = users[0]?.id as string;
    const windowStart = Math.ceil((Date.now() + 8_000) / 1000) * 1000;
    const windowEnd = windowStart + o.seconds * 1000;
    const cronPattern = '*/2 * * * * *';
    const perCronTask = Math.floor(o.seconds / 2);
    const cronTasks = Math.round((o.fires * o.cronShare) / Math.max(1, perCronTask));
    const oneOffs = o.fires - cronTasks * perCronTask;
    // One-offs spread evenly over the window, at millisecond instants; prompts carry their index so the
    // chat server can count starts per fire.
    const ats = Array.from({ length: oneOffs }, (_, i) => new Date(windowStart + Math.floor((i * o.seconds * 1000) / oneOffs) + 1).toISOString());
    for (let from = 0; from < oneOffs; from += 1000) {
      const slice = ats.slice(from, from + 1000);
      await sql.query(
        `insert into tasks (user_id, name, prompt, schedule, timezone, next_run_at, overlap)
         select $1::bigint, 'once ' || (o + $3::int), 'bench-' || (o + $3::int), jsonb_build_object('kind', 'once', 'at', a), 'UTC', a::timestamptz, 'allow'
           from unnest($2::text[]) with ordinality as v(a, o)`,
        [userId, slice, from - 1],
      );
    }
    // Recurring tasks: every 2 seconds from the window start, ending just before the window end.
    const cronStart = new Date(windowStart);
    const cronEnd = new Date(windowEnd - 500);
    const cron = new Cron(cronPattern, { timezone: 'UTC' });
    const cronOccurrences: number[] = [];
    for (let d: Date | null = new Date(windowStart - 1); ; ) {
      d = cron.nextRun(d);
      if (!d || d.getTime() > cronEnd.getTime()) break;
      cronOccurrences.push(d.getTime());
    }
    if (cronTasks) {
      await sql.query(
        `insert into tasks (user_id, name, prompt, schedule, timezone, next_run_at, start_at, end_at, overlap)
         select $1::bigint, 'cron ' || g, 'cron-' || g, jsonb_build_object('kind', 'cron', 'cron', $2::text), 'UTC', $6::timestamptz, $3::timestamptz, $4::timestamptz, 'allow'
           from generate_series(1, $5::int) g`,
        // next_run_at is the first occurrence, as the API's writer would have computed it.
        [userId, cronPattern, cronStart, cronEnd, cronTasks, new Date(cronOccurrences[0] ?? windowStart)],
      );
    }
    // The counts concern this user's tasks only: system jobs (src/scheduler/system-jobs.ts) fire too.
    await sql.query(`create view chaos_tasks as select * from tasks where user_id = ${Number(userId)}`);
    await sql.query(`create view chaos_executions as select * from executions where user_id = ${Number(userId)}`);
    await sql.query(`select pg_notify('tickler_tasks', '{}')`).catch(() => undefined);
    const expected = oneOffs + cronTasks * cronOccurrences.length;
    o.log(`${o.replicas} replicas; ${expected} fires from ${new Date(windowStart).toISOString()} over ${o.seconds} s (${oneOffs} one-offs, ${cronTasks} tasks every 2 s); lease ${o.leaseSeconds} s; log ${join(dir, 'replicas.log')}`);

    // ------------------------------------------------------------ chaos
    let kills = 0;
    let pgRestarts = 0;
    let pgDownMs: number | null = null;
    const killer = (async () => {
      await sleep(Math.max(0, windowStart - Date.now()));
      while (!stopping && Date.now() < windowEnd) {
        await sleep(Math.min((o.killMin + rand() * (o.killMax - o.killMin)) * 1000, windowEnd - Date.now()));
        if (stopping || Date.now() >= windowEnd) break;
        const i = Math.floor(rand() * replicas.length);
        const r = replicas[i] as Replica;
        if (r.child && r.child.exitCode === null && r.child.signalCode === null) {
          r.child.kill('SIGKILL');
          kills++;
          o.log(`  t+${((Date.now() - windowStart) / 1000).toFixed(1)} s: SIGKILL replica ${i} (pid ${r.child.pid})`);
          r.child = null;
        }
        void ensureUp(r, i, windowEnd + 60_000);
      }
    })();
    const restarter = (async () => {
      if (!o.pgRestart) return;
      await sleep(Math.max(0, windowStart + (o.seconds * 1000) / 2 - Date.now()));
      if (stopping) return;
      const down = Date.now();
      o.log(`  t+${((down - windowStart) / 1000).toFixed(1)} s: stopping PostgreSQL`);
      await server?.stop();
      await sleep(o.pgDownMs);
      server = await startEmbeddedPostgres({ dataDir, logger });
      pgDownMs = Date.now() - down;
      pgRestarts++;
      o.log(`  t+${((Date.now() - windowStart) / 1000).toFixed(1)} s: PostgreSQL back after ${pgDownMs} ms`);
    })();
    await sleep(Math.max(0, windowEnd - Date.now()));
    await Promise.all([killer, restarter]);

    // ------------------------------------------------------------ drain, then count
    await Promise.all(replicas.map((r, i) => ensureUp(r, i, Date.now() + 30_000)));
    o.log(`window over: ${kills} kills, ${pgRestarts} PostgreSQL restart(s); draining (at most ${o.drainSeconds} s)`);
    const drainUntil = Date.now() + o.drainSeconds * 1000;
    for (;;) {
      const { rows } = await sql.query<{ open: number; runs: number }>(
        `select (select count(*) from chaos_executions where status in ('queued', 'running'))::int as open,
                (select count(*) from chaos_executions where trigger in ('schedule', 'catchup'))::int as runs`,
      ).catch(() => ({ rows: [{ open: 1, runs: 0 }] }));
      const r = rows[0] ?? { open: 1, runs: 0 };
      if ((r.open === 0 && r.runs >= expected) || Date.now() > drainUntil) break;
      if (process.env.CHAOS_DEBUG && r.open > 0) {
        const act = await sql.query(
          `select status, trigger, owner, attempt, epoch, started_at is not null as started, lease_until > now() as leased, min(scheduled_for) as first, count(*)::int as n
             from chaos_executions where status in ('queued', 'running') group by 1, 2, 3, 4, 5, 6, 7 order by n desc limit 6`,
        );
        o.log(`  draining: ${r.open} open; ${act.rows.map((a) => JSON.stringify(a)).join(' | ')}`);
      }
      await sleep(500);
    }
    stopping = true;
    await Promise.all(replicas.map(async (r) => {
      const c = r.child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((res) => c.once('exit', res));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }));

    const status = await sql.query<{ status: string; n: number }>(`select status, count(*)::int as n from chaos_executions group by status order by status`);
    const byStatus = Object.fromEntries(status.rows.map((r) => [r.status, r.n]));
    const executions = status.rows.reduce((a, r) => a + r.n, 0);
    const nonTerminal = status.rows.filter((r) => !TERMINAL.includes(r.status)).reduce((a, r) => a + r.n, 0);
    // Every expected occurrence: (task, scheduled_for) for the one-offs and the cron tasks' instants.
    const occ = await sql.query<{ lost: number; not_run: number; coalesced: number; dup: number }>(
      `with expected as (
         select t.id as task_id, t.next_run_at_orig as at from (
           select id, (schedule->>'at')::timestamptz as next_run_at_orig from chaos_tasks where schedule->>'kind' = 'once') t
         union all
         select t.id, i.at from chaos_tasks t cross join unnest($1::timestamptz[]) as i(at) where t.schedule->>'kind' = 'cron'
       ), fired as (
         select e.task_id, e.scheduled_for, count(*) as n, bool_or(e.status in ('succeeded', 'failed', 'interrupted')) as ran,
                -- missed, and a later catch-up of its task ran: coalesced by run_once, as the policy says
                bool_and(e.status = 'missed') and exists (
                  select 1 from chaos_executions c where c.task_id = e.task_id and c.trigger = 'catchup' and c.scheduled_for > e.scheduled_for
                     and c.status in ('succeeded', 'failed', 'interrupted')) as coalesced
           from chaos_executions e where e.trigger in ('schedule', 'catchup') group by e.task_id, e.scheduled_for
       )
       select count(*) filter (where f.task_id is null)::int as lost,
              count(*) filter (where f.task_id is not null and not f.ran and not f.coalesced)::int as not_run,
              count(*) filter (where f.coalesced)::int as coalesced,
              count(*) filter (where f.n > 1)::int as dup
         from expected x left join fired f on f.task_id = x.task_id and f.scheduled_for = x.at`,
      [cronOccurrences.map((t) => new Date(t).toISOString())],
    );
    const extra = await sql.query<{ n: number }>(
      `select count(*)::int as n from chaos_executions e where e.trigger in ('schedule', 'catchup')
          and not exists (select 1 from chaos_tasks t where t.id = e.task_id and (
                (t.schedule->>'kind' = 'once' and (t.schedule->>'at')::timestamptz = e.scheduled_for)
             or (t.schedule->>'kind' = 'cron' and e.scheduled_for = any($1::timestamptz[]))))`,
      [cronOccurrences.map((t) => new Date(t).toISOString())],
    );
    const interrupted = await sql.query<{ n: number; not_retried: number }>(
      `select count(*)::int as n,
              count(*) filter (where x.attempt < t.max_attempts and not exists (
                select 1 from chaos_executions r where r.task_id = x.task_id and r.trigger = 'retry' and r.attempt = x.attempt + 1))::int as not_retried
         from chaos_executions x join chaos_tasks t on t.id = x.task_id where x.status = 'interrupted'`,
    );
    // Starts per one-off at the chat server against executions of that task that the database saw start.
    const started = await sql.query<{ i: number; n: number }>(
      `select substring(t.prompt from 7)::int as i, count(e.started_at)::int as n
         from chaos_tasks t left join executions e on e.task_id = t.id where t.prompt like 'bench-%' group by t.prompt`,
    );
    const startedByIndex = new Map(started.rows.map((r) => [r.i, r.n]));
    const report = await chatReport();
    const arrivalsByIndex = new Map<number, number>();
    for (const [i] of report.arrivals) arrivalsByIndex.set(i, (arrivalsByIndex.get(i) ?? 0) + 1);
    let duplicateStarts = 0;
    for (const [i, n] of arrivalsByIndex) duplicateStarts += Math.max(0, n - (startedByIndex.get(i) ?? 0));
    const lat = await sql.query<{ ms: number }>(
      `select (extract(epoch from (started_at - scheduled_for)) * 1000)::float8 as ms from chaos_executions
        where trigger in ('schedule', 'catchup') and started_at is not null order by 1`,
    );
    const lateness = lat.rows.map((r) => r.ms);
    // A few rows behind each non-zero count, to start the investigation from.
    const samples: Record<string, unknown[]> = {};
    const sample = async (name: string, q: string, params: unknown[] = []) => {
      samples[name] = (await sql.query(q, params)).rows;
    };
    const cols = `e.id, e.task_id, t.prompt, e.status, e.trigger, e.attempt, e.epoch, e.scheduled_for, e.started_at, e.finished_at, e.owner, e.error->>'message' as error`;
    if (i1Count(interrupted.rows)) {
      await sample('interrupted', `select ${cols} from chaos_executions e join chaos_tasks t on t.id = e.task_id where e.task_id in (select task_id from chaos_executions where status = 'interrupted' order by id limit 3) order by e.task_id, e.id`);
    }
    if (occ.rows[0]?.lost) {
      await sample(
        'lost',
        `with expected as (
           select id as task_id, (schedule->>'at')::timestamptz as at from chaos_tasks where schedule->>'kind' = 'once'
           union all
           select t.id, i.at from chaos_tasks t cross join unnest($1::timestamptz[]) as i(at) where t.schedule->>'kind' = 'cron')
         select x.task_id, x.at as expected_at, t.prompt, t.next_run_at, t.enabled, t.paused_reason,
                (select json_agg(json_build_object('id', e.id, 'status', e.status, 'trigger', e.trigger, 'scheduled_for', e.scheduled_for, 'owner', e.owner)) from chaos_executions e where e.task_id = x.task_id) as executions
           from expected x join chaos_tasks t on t.id = x.task_id
          where not exists (select 1 from chaos_executions e where e.task_id = x.task_id and e.scheduled_for = x.at and e.trigger in ('schedule', 'catchup'))
          order by x.at limit 5`,
        [cronOccurrences.map((t) => new Date(t).toISOString())],
      );
    }
    if (extra.rows[0]?.n) {
      await sample('extra', `select ${cols}, t.schedule, t.start_at, t.end_at from chaos_executions e join chaos_tasks t on t.id = e.task_id where e.trigger in ('schedule', 'catchup') and not exists (select 1 from chaos_tasks t2 where t2.id = e.task_id and ((t2.schedule->>'kind' = 'once' and (t2.schedule->>'at')::timestamptz = e.scheduled_for) or (t2.schedule->>'kind' = 'cron' and e.scheduled_for = any($1::timestamptz[])))) limit 5`, [cronOccurrences.map((t) => new Date(t).toISOString())]);
    }
    const dupIdx = [...arrivalsByIndex].filter(([i, n]) => n > (startedByIndex.get(i) ?? 0)).slice(0, 3).map(([i]) => `bench-${i}`);
    if (dupIdx.length) {
      await sample('duplicateStarts', `select ${cols} from chaos_executions e join chaos_tasks t on t.id = e.task_id where t.prompt = any($1::text[]) order by e.task_id, e.id`, [dupIdx]);
      samples.duplicateStartArrivals = dupIdx.map((p) => [p, arrivalsByIndex.get(Number(p.slice(6)))]);
    }
    if (byStatus.failed) await sample('failed', `select ${cols} from chaos_executions e join chaos_tasks t on t.id = e.task_id where e.status = 'failed' limit 3`);
    await sql.end();
    const o1 = occ.rows[0] ?? { lost: expected, not_run: 0, coalesced: 0, dup: 0 };
    const i1 = interrupted.rows[0] ?? { n: 0, not_retried: 0 };
    return {
      expected,
      oneOffs,
      cronFires: cronTasks * cronOccurrences.length,
      executions,
      byStatus,
      lost: o1.lost,
      notRun: o1.not_run,
      coalesced: o1.coalesced,
      duplicateFires: o1.dup + (extra.rows[0]?.n ?? 0),
      duplicateStarts,
      nonTerminal,
      interrupted: i1.n,
      interruptedNotRetried: i1.not_retried,
      kills,
      restartsFailed,
      pgRestarts,
      pgDownMs,
      chatRequests: report.count,
      lateness: {
        p50: pct(lateness, 50),
        p99: pct(lateness, 99),
        max: lateness[lateness.length - 1] ?? Number.NaN,
        over1s: lateness.filter((x) => x > 1000).length,
      },
      wallSeconds: Math.round((Date.now() - t0) / 1000),
      samples,
    };
  } finally {
    stopping = true;
    killAll();
    process.removeListener('exit', killAll);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await server?.stop().catch(() => undefined);
    await new Promise((r) => logs.end(r));
    if (!process.env.KEEP_CHAOS_DIR) await rm(dir, { recursive: true, force: true });
  }
}

/** The counts as a Markdown table. */
export function formatChaos(r: ChaosReport): string {
  const f = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');
  const rows: Array<[string, string | number]> = [
    ['fires expected in the window', `${r.expected} (${r.oneOffs} one-offs, ${r.cronFires} from every-2-s crons)`],
    ['**lost** (no execution for the occurrence)', r.lost],
    ['not run (recorded missed/skipped/cancelled instead)', r.notRun],
    ['coalesced (cron fires missed during a takeover, run as one later catch-up: run_once)', r.coalesced],
    ['**duplicate fires** (occurrences with more than one execution)', r.duplicateFires],
    ['**duplicate starts** (chat requests beyond the executions the database saw start)', r.duplicateStarts],
    ['**executions not terminal** (queued/running at the end)', r.nonTerminal],
    ['executions by status', Object.entries(r.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['interrupted runs / of them not retried with attempts left', `${r.interrupted} / ${r.interruptedNotRetried}`],
    ['SIGKILLs / restarts that failed (PostgreSQL down) / PostgreSQL restarts', `${r.kills} / ${r.restartsFailed} / ${r.pgRestarts}${r.pgDownMs === null ? '' : ` (down ${r.pgDownMs} ms)`}`],
    ['lateness (started − scheduled) p50 / p99 / max, ms', `${f(r.lateness.p50)} / ${f(r.lateness.p99)} / ${f(r.lateness.max)} (${r.lateness.over1s} later than 1 s)`],
    ['chat requests received', r.chatRequests],
    ['wall time', `${r.wallSeconds} s`],
  ];
  return ['| measure | count |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      fires: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '120' },
      replicas: { type: 'string', default: '3' },
      'kill-min': { type: 'string', default: '3' },
      'kill-max': { type: 'string', default: '6' },
      lease: { type: 'string', default: '3' },
      'cron-share': { type: 'string', default: '0.3' },
      'no-pg-restart': { type: 'boolean', default: false },
      'pg-down': { type: 'string', default: '2000' },
      drain: { type: 'string', default: '90' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
    },
  });
  const opts: ChaosOptions = {
    fires: Number(values.fires),
    seconds: Number(values.seconds),
    replicas: Number(values.replicas),
    killMin: Number(values['kill-min']),
    killMax: Number(values['kill-max']),
    leaseSeconds: Number(values.lease),
    cronShare: Number(values['cron-share']),
    pgRestart: !values['no-pg-restart'],
    pgDownMs: Number(values['pg-down']),
    drainSeconds: Number(values.drain),
    seed: Number(values.seed),
    log: (l) => console.log(l),
  };
  console.log(`chaos: seed ${opts.seed}`);
  const report = await runChaos(opts);
  console.log(`\n${formatChaos(report)}`);
  for (const [k, rows] of Object.entries(report.samples)) console.log(`\n${k}:\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
  const bad = report.lost + report.notRun + report.duplicateFires + report.duplicateStarts + report.nonTerminal + report.interruptedNotRetried;
  process.exit(bad === 0 ? 0 : 1);
}
