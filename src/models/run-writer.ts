import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { groupCommit } from './group-commit.ts';
import { CHANNELS } from './notify.ts';

/**
 * "Run now" with group commit: manual runs requested while a write is in flight are queued in the
 * next statement, together. Each commit of a queued execution also wakes the engines (NOTIFY), and
 * PostgreSQL serialises committing transactions that notify, each with its WAL flush: one per
 * request capped the endpoint at ~150 runs/s here, whatever the number of clients.
 */

export interface RunRequestRow {
  userId: string;
  taskId: string;
  dryRun: boolean;
}

export interface QueuedRun {
  id: string;
  taskId: string;
  scheduledFor: Date;
  dryRun: boolean;
}

/**
 * What a run-now request came to. `running`: the task's overlap is `skip` and a run of it is
 * running (or a manual run was asked for just before); `budget`: its monthly token budget is spent;
 * `collided`: another replica queued a run of the task at the same microsecond (try again).
 */
export type QueueOutcome =
  | { kind: 'queued'; run: QueuedRun }
  | { kind: 'not_found' }
  | { kind: 'running' }
  | { kind: 'budget'; used: number; budget: number }
  | { kind: 'collided' };

interface Pending extends RunRequestRow {
  /** The instant in microseconds since the epoch: unique per process, so two runs of a task never collide. */
  atMicros: bigint;
  resolve: (r: QueueOutcome) => void;
  reject: (err: unknown) => void;
}

export interface RunWriter {
  /** Queues a manual execution of the caller's task, unless its overlap policy or budget refuses it. */
  queue(req: RunRequestRow): Promise<QueueOutcome>;
}

const MAX_BATCH = 500;

// The refusals are decided in the statement that inserts, so they cost no round trip of their own.
// A run-now counts as "active" for overlap while it is running, or queued as a manual run in the
// last minute (a double click); a race with a fire the engine is about to start is settled by the
// engine, which records the later one `skipped`, as it does for scheduled fires. The month's tokens
// are summed like the runner sums them (runner/context.ts), only for tasks that have a budget.
const INSERT_SQL = `
with v as (
  select * from unnest($1::bigint[], $2::bigint[], $3::bool[], $4::timestamptz[]) with ordinality as v(task_id, user_id, dry_run, at, ord)
), req as (
  select v.ord, v.task_id, v.user_id, v.dry_run, v.at, t.monthly_token_budget as budget,
         case when t.overlap = 'skip' then
           row_number() over (partition by v.task_id order by v.ord) > 1
           or exists (select 1 from executions e where e.task_id = t.id and e.status = 'running')
           -- status || '': not the partial index of open executions, whose rows in the last minute
           -- are every replica's queue (a scan of thousands a check under load), but (task_id, scheduled_for).
           or exists (select 1 from executions e where e.task_id = t.id and e.scheduled_for > v.at - interval '1 minute'
                       and e.scheduled_for <= v.at and e.status || '' = 'queued' and e.trigger = 'manual')
         else false end as busy,
         case when t.monthly_token_budget is null then 0 else
           (select coalesce(sum(e.prompt_tokens + e.completion_tokens), 0)::float8 from executions e
             where e.task_id = t.id
               and e.started_at >= (date_trunc('month', v.at at time zone t.timezone) at time zone t.timezone))
         end as used
    from v join tasks t on t.id = v.task_id and t.user_id = v.user_id
), ins as (
  insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run, created_at)
  select r.task_id, r.user_id, 'queued', 'manual', 1, r.at, r.dry_run, r.at
    from req r
   where not r.busy and (r.budget is null or r.used < r.budget)
  on conflict (task_id, scheduled_for) do nothing
  returning id, task_id, scheduled_for
)
select r.ord::int as ord, ins.id::text as id, r.busy, r.used, r.budget,
       (select pg_notify($5, '{"manual":true}') from (select 1 from ins limit 1) one) is null as woke
  from req r left join ins on ins.task_id = r.task_id and ins.scheduled_for = r.at`;

function isoMicros(us: bigint): string {
  const ms = Number(us / 1000n);
  const rest = Number(us % 1000n);
  return new Date(ms).toISOString().replace('Z', `${String(rest).padStart(3, '0')}Z`);
}

export function createRunWriter(opts: { pool: pg.Pool; clock: Clock; logger: Logger }): RunWriter {
  let lastMicros = 0n;

  async function writeBatch(batch: Pending[]): Promise<void> {
    const { rows } = await opts.pool.query<{ ord: number; id: string | null; busy: boolean; used: number; budget: number | null }>(INSERT_SQL, [
      batch.map((p) => p.taskId),
      batch.map((p) => p.userId),
      batch.map((p) => p.dryRun),
      batch.map((p) => isoMicros(p.atMicros)),
      CHANNELS.work,
    ]);
    const byOrd = new Map(rows.map((r) => [r.ord, r]));
    batch.forEach((p, i) => {
      const r = byOrd.get(i + 1);
      if (!r) p.resolve({ kind: 'not_found' });
      else if (r.id !== null) p.resolve({ kind: 'queued', run: { id: r.id, taskId: p.taskId, scheduledFor: new Date(Number(p.atMicros / 1000n)), dryRun: p.dryRun } });
      else if (r.busy) p.resolve({ kind: 'running' });
      else if (r.budget !== null && Number(r.used) >= r.budget) p.resolve({ kind: 'budget', used: Number(r.used), budget: r.budget });
      else p.resolve({ kind: 'collided' });
    });
  }

  const enqueue = groupCommit<Pending>(MAX_BATCH, async (batch) => {
    try {
      await writeBatch(batch);
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, size: batch.length }, 'queueing manual runs failed');
      for (const p of batch) p.reject(err);
    }
  });

  return {
    queue(req) {
      // Strictly increasing per process, from the clock's millisecond: runs of one task requested in
      // the same millisecond get distinct instants instead of colliding on (task_id, scheduled_for).
      const nowMicros = BigInt(opts.clock.now().getTime()) * 1000n;
      lastMicros = nowMicros > lastMicros ? nowMicros : lastMicros + 1n;
      const atMicros = lastMicros;
      return new Promise((resolve, reject) => enqueue({ ...req, atMicros, resolve, reject }));
    },
  };
}
