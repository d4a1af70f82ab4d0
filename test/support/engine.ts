import { type Clock, systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/models/db.ts';
import { CHANNELS } from '../../src/models/notify.ts';
import { createEngine, type Engine, type EngineEvents, type EngineOptions, type PeriodicJob } from '../../src/scheduler/engine.ts';
import type { Finish } from '../../src/scheduler/record.ts';
import type { ClaimedFire } from '../../src/scheduler/claim.ts';
import type { ManualClock } from './manual-clock.ts';
import type { RunFn, RunRequest, RunResult } from '../../src/scheduler/runner-port.ts';
import { ZERO_USAGE } from '../../src/scheduler/runner-port.ts';

export const ok = (output = 'ok'): RunResult => ({ status: 'succeeded', output, usage: ZERO_USAGE });

/** A run function that records every call (at `clock`'s time) and answers with `answer` (default: success). */
export function recordingRunner(answer: (req: RunRequest) => Promise<RunResult> | RunResult = () => ok(), clock: Clock = systemClock) {
  const calls: Array<{ executionId: string; taskId: string; at: number; attempt: number; trigger: string }> = [];
  const run: RunFn = async (req) => {
    calls.push({ executionId: req.execution.id, taskId: req.execution.taskId, at: clock.now().getTime(), attempt: req.execution.attempt, trigger: req.execution.trigger });
    return await answer(req);
  };
  return { run, calls };
}

export function testSchedulerConfig(env: Record<string, string> = {}) {
  // Heartbeats run on the manual clock but age on the database's: a test that holds its clock still
  // for seconds must not see its other engines declared dead (tests of that set it lower).
  return loadConfig({ DATABASE_URL: 'postgres://unused/x', SCHEDULER_LOOKAHEAD_MS: '2000', SCHEDULER_LEASE_SECONDS: '5', SHUTDOWN_GRACE_SECONDS: '2', SCHEDULER_REPLICA_DEAD_MS: '60000', ...env }).scheduler;
}

export async function startEngine(db: Database, run: RunFn, opts: Partial<EngineOptions> & { env?: Record<string, string> } = {}): Promise<Engine> {
  const engine = createTestEngine(db, run, opts);
  await engine.start();
  return engine;
}

/** An engine not started yet (to listen to its start-up), with the test settings of `startEngine`. */
export function createTestEngine(db: Database, run: RunFn, opts: Partial<EngineOptions> & { env?: Record<string, string> } = {}): Engine {
  return createEngine({
    db,
    clock: systemClock,
    logger: createLogger(process.env.TEST_LOG ?? 'silent', false),
    run,
    config: testSchedulerConfig(opts.env),
    retryBaseMs: 200,
    pollMs: 500,
    ...opts,
  });
}

/**
 * The next `name` event of `engine` that passes `match` (register it before the action that causes
 * it). No timer: the test's own timeout bounds the wait.
 */
export function nextEvent<K extends keyof EngineEvents>(engine: Engine, name: K, match: (...args: EngineEvents[K]) => boolean = () => true): Promise<EngineEvents[K]> {
  return new Promise((resolve) => {
    const events = engine.events as unknown as NodeJS.EventEmitter;
    const on = (...args: unknown[]) => {
      const a = args as EngineEvents[K];
      if (!match(...a)) return;
      events.off(name, on);
      resolve(a);
    };
    events.on(name, on);
  });
}

/** Resolves once `engine` has recorded `n` finishes that pass `match`, counted from now. */
export function recordedFinishes(engine: Engine, n: number, match: (f: Finish) => boolean = () => true): Promise<Finish[]> {
  const seen: Finish[] = [];
  return new Promise((resolve) => {
    const on = (items: Finish[]) => {
      for (const f of items) if (match(f)) seen.push(f);
      if (seen.length < n) return;
      engine.events.off('recorded', on);
      resolve(seen);
    };
    engine.events.on('recorded', on);
  });
}

/**
 * Resolves once `engines` together have recorded `n` runs whose fire passes `match`, counted from
 * now (listen before the action). A run is matched on its `finished` event and counted when the
 * batch holding its record is written.
 */
export function recordedRuns(engines: Engine | Engine[], n: number, match: (fire: ClaimedFire) => boolean = () => true): Promise<Finish[]> {
  const es = Array.isArray(engines) ? engines : [engines];
  const ours = new Set<string>();
  const seen: Finish[] = [];
  return new Promise((resolve) => {
    const onFinished = ({ fire }: { fire: ClaimedFire }) => {
      if (match(fire)) ours.add(fire.executionId);
    };
    const onRecorded = (items: Finish[]) => {
      for (const f of items) if (ours.delete(f.id)) seen.push(f);
      if (seen.length < n) return;
      for (const e of es) {
        e.events.off('finished', onFinished);
        e.events.off('recorded', onRecorded);
      }
      resolve(seen);
    };
    for (const e of es) {
      e.events.on('finished', onFinished);
      e.events.on('recorded', onRecorded);
    }
  });
}

/** Resolves once each of `engines` has finished `n` passes of its periodic `job`, counted from now. */
export function ticked(engines: Engine | Engine[], job: PeriodicJob, n = 1): Promise<void> {
  const es = Array.isArray(engines) ? engines : [engines];
  return Promise.all(
    es.map(
      (e) =>
        new Promise<void>((resolve) => {
          let left = n;
          const on = (j: PeriodicJob) => {
            if (j !== job || --left > 0) return;
            e.events.off('tick', on);
            resolve();
          };
          e.events.on('tick', on);
        }),
    ),
  ).then(() => undefined);
}

/**
 * Queues a manual run of `taskId` and wakes the engines, as POST /api/tasks/:id/run does (one
 * statement: the notification is sent when the row is committed). Returns the execution id.
 */
export async function queueRun(db: Database, taskId: string, userId: string): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `with x as (insert into executions (task_id, user_id, status, trigger, scheduled_for) values ($1, $2, 'queued', 'manual', now()) returning id)
     select x.id::text as id, pg_notify($3, json_build_object('id', x.id::text)::text) from x`,
    [taskId, userId, CHANNELS.work],
  );
  return (rows[0] as { id: string }).id;
}

/** Inserts a user and returns its id. */
export async function insertUser(db: Database, name = 'engine-test'): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(`insert into users (name) values ($1) returning id::text as id`, [name]);
  return (rows[0] as { id: string }).id;
}

export interface TaskRow {
  /** null: a task that only runs after others (give it edges with `insertEdges`). */
  schedule: Record<string, unknown> | null;
  timezone?: string;
  nextRunAt: Date | null;
  overlap?: 'skip' | 'allow';
  maxAttempts?: number;
  misfirePolicy?: 'run_once' | 'skip';
  misfireGraceSeconds?: number;
  pauseAfterFailures?: number;
  enabled?: boolean;
  waitSeconds?: number;
}

/** Inserts tasks directly (set-based), as the API would store them. */
export async function insertTasks(db: Database, userId: string, tasks: TaskRow[]): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into tasks (user_id, name, schedule, timezone, next_run_at, overlap, max_attempts, misfire_policy, misfire_grace_seconds, pause_after_failures, enabled, wait_seconds)
     select $1, 'task ' || ord, s, tz, nra, ov, ma, mp, mg, paf, en, ws
       from unnest($2::jsonb[], $3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::text[], $8::int[], $9::int[], $10::bool[], $11::int[])
            with ordinality as v(s, tz, nra, ov, ma, mp, mg, paf, en, ws, ord)
     returning id::text as id`,
    [
      userId,
      tasks.map((t) => (t.schedule ? JSON.stringify(t.schedule) : null)),
      tasks.map((t) => t.timezone ?? 'UTC'),
      tasks.map((t) => t.nextRunAt?.toISOString() ?? null),
      tasks.map((t) => t.overlap ?? 'skip'),
      tasks.map((t) => t.maxAttempts ?? 3),
      tasks.map((t) => t.misfirePolicy ?? 'run_once'),
      tasks.map((t) => t.misfireGraceSeconds ?? 3600),
      tasks.map((t) => t.pauseAfterFailures ?? 5),
      tasks.map((t) => t.enabled ?? true),
      tasks.map((t) => t.waitSeconds ?? 3600),
    ],
  );
  return rows.map((r) => r.id);
}

/** Makes `taskId` run after each of `dependsOn` (same user), as the API would store it. */
export async function insertEdges(db: Database, userId: string, taskId: string, dependsOn: string[]): Promise<void> {
  await db.pool.query(
    `insert into task_dependencies (user_id, task_id, depends_on_id) select $1, $2, unnest($3::bigint[])`,
    [userId, taskId, dependsOn],
  );
}

export async function executionsOf(db: Database, taskId: string) {
  const { rows } = await db.pool.query<{
    id: string;
    status: string;
    trigger: string;
    attempt: number;
    scheduled_ms: number;
    started_ms: number | null;
    error: { type: string; message: string } | null;
    owner: string | null;
    satisfied_by: string[] | null;
    wait_until_ms: number | null;
  }>(
    `select id::text as id, status, trigger, attempt, (extract(epoch from scheduled_for) * 1000)::float8 as scheduled_ms,
            (extract(epoch from started_at) * 1000)::float8 as started_ms, error, owner, satisfied_by,
            (extract(epoch from wait_until) * 1000)::float8 as wait_until_ms
       from executions where task_id = $1 order by id`,
    [taskId],
  );
  return rows;
}

/**
 * Moves `clock` to the instant that `engine` sees as `at`: the engine arms its timers on the
 * database's time (its clock plus the offset it measured), and the database's clock is real.
 */
export function advanceEngineTo(clock: ManualClock, engine: Engine, at: Date | number): Promise<void> {
  return clock.advanceTo((typeof at === 'number' ? at : at.getTime()) - engine.stats().clockOffsetMs);
}

/** Moves `clock` to the instant `at` as every one of `engines` sees it (their offsets differ a little). */
export function advanceEnginesTo(clock: ManualClock, engines: Engine[], at: Date | number): Promise<void> {
  const t = typeof at === 'number' ? at : at.getTime();
  return clock.advanceTo(t - Math.min(...engines.map((e) => e.stats().clockOffsetMs)));
}

/**
 * Fires stamped with the database's now() (run-now requests, dependency triggers, released runs)
 * are due at a real instant the manual clock has not reached: this moves the clock to each batch
 * `engine` claims, as real time would. Returns the unsubscribe.
 */
export function followClaims(clock: ManualClock, engine: Engine): () => void {
  const on = (fires: ClaimedFire[]) => {
    // 1 ms past the last instant: these fires are late by nature, and it spares rounding doubts.
    const last = Math.max(...fires.map((f) => f.scheduledFor));
    void advanceEngineTo(clock, engine, last + 1);
  };
  engine.events.on('claimed', on);
  return () => engine.events.off('claimed', on);
}
