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

interface Pending extends RunRequestRow {
  /** The instant in microseconds since the epoch: unique per process, so two runs of a task never collide. */
  atMicros: bigint;
  resolve: (r: QueuedRun | null) => void;
  reject: (err: unknown) => void;
}

export interface RunWriter {
  /** Queues a manual execution of the caller's task; null when the task is not theirs (or gone). */
  queue(req: RunRequestRow): Promise<QueuedRun | null>;
}

const MAX_BATCH = 500;

const INSERT_SQL = `
with ins as (
  insert into executions (task_id, user_id, status, trigger, attempt, scheduled_for, dry_run, created_at)
  select t.id, t.user_id, 'queued', 'manual', 1, v.at, v.dry_run, v.at
    from unnest($1::bigint[], $2::bigint[], $3::bool[], $4::timestamptz[]) as v(task_id, user_id, dry_run, at)
    join tasks t on t.id = v.task_id and t.user_id = v.user_id
  on conflict (task_id, scheduled_for) do nothing
  returning id, task_id, scheduled_for
)
select ins.id::text as id, ins.task_id::text as task_id, (extract(epoch from ins.scheduled_for) * 1000000)::bigint::text as at_us,
       (select pg_notify($5, '{"manual":true}')) is null as woke
  from ins`;

function isoMicros(us: bigint): string {
  const ms = Number(us / 1000n);
  const rest = Number(us % 1000n);
  return new Date(ms).toISOString().replace('Z', `${String(rest).padStart(3, '0')}Z`);
}

export function createRunWriter(opts: { pool: pg.Pool; clock: Clock; logger: Logger }): RunWriter {
  let lastMicros = 0n;

  async function writeBatch(batch: Pending[]): Promise<void> {
    const { rows } = await opts.pool.query<{ id: string; task_id: string; at_us: string }>(INSERT_SQL, [
      batch.map((p) => p.taskId),
      batch.map((p) => p.userId),
      batch.map((p) => p.dryRun),
      batch.map((p) => isoMicros(p.atMicros)),
      CHANNELS.work,
    ]);
    const byKey = new Map(rows.map((r) => [`${r.task_id}@${r.at_us}`, r.id]));
    for (const p of batch) {
      const id = byKey.get(`${p.taskId}@${p.atMicros}`);
      if (id === undefined) {
        p.resolve(null);
        continue;
      }
      p.resolve({ id, taskId: p.taskId, scheduledFor: new Date(Number(p.atMicros / 1000n)), dryRun: p.dryRun });
    }
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
