import { taskQuotaError } from '../store/task-quota.ts';
import type pg from 'pg';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { groupCommit } from './group-commit.ts';
import { CHANNELS } from './notify.ts';
import { sqlOf } from './sql.ts';
import { DEFAULT_WAIT_SECONDS } from './task.ts';
import { findTargets, insertEdges, normalizeAfter, targetProblem } from './task-graph.ts';
import { findTask, type TaskView } from './task-repo.ts';
import type { NewTask } from './task-store.ts';

/**
 * Task creation with group commit. Creates that arrive while a write is in flight are written
 * together in the next transaction: one WAL flush for the batch instead of one per task, which
 * is what bounds single-row inserts (~2,000/s here) — without giving up synchronous commit.
 * The per-user limit stays exact: the batch locks the owners' rows (in id order, so batches on
 * several replicas cannot deadlock) and counts under the lock.
 */

export interface CreateRequest {
  fields: NewTask;
  /** Idempotency-Key claim: the same key within 24 h returns the first task. */
  idempotency?: { key: string; hash: string };
}

export type CreateResult = { task: TaskView; replayed: boolean };

interface Pending extends CreateRequest {
  resolve: (r: CreateResult) => void;
  reject: (err: unknown) => void;
}

export interface TaskWriter {
  create(req: CreateRequest): Promise<CreateResult>;
  /** The result of an earlier request with this key (within 24 h), a 422 if its body differed, or null. */
  replay(userId: string, key: string, hash: string): Promise<CreateResult | null>;
}

const MAX_BATCH = 500;
const IDEMPOTENCY_TTL_HOURS = 24;
const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

export function createTaskWriter(opts: { pool: pg.Pool; maxTasks: number; logger: Logger }): TaskWriter {
  const { pool } = opts;

  /** The task an earlier request with this key created (within 24 h), a mismatch error, or null. */
  async function replayOf(userId: string, key: string, hash: string): Promise<CreateResult | null> {
    const { rows } = await pool.query<{ task_id: string; request_hash: string }>(
      `select task_id::text as task_id, request_hash from idempotency_keys
        where user_id = $1 and key = $2 and created_at > now() - make_interval(hours => $3)`,
      [userId, key, IDEMPOTENCY_TTL_HOURS],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.request_hash !== hash) {
      throw new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was already used with a different request body', {
        errors: [{ path: 'Idempotency-Key', message: 'already used with a different request body' }],
      });
    }
    const task = await findTask(pool, userId, row.task_id);
    if (!task) throw new AppError(409, 'conflict', 'the task created with this Idempotency-Key has since been deleted');
    return { task, replayed: true };
  }

  /** Writes one batch in one transaction; returns the requests whose key lost a race (to replay). */
  async function writeBatch(batch: Pending[]): Promise<Pending[]> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const users = [...new Set(batch.map((p) => p.fields.userId))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      // task_count is kept exact by triggers (migration task_counts); the row lock makes it ours to read.
      const { rows: counts } = await client.query<{ user_id: string; n: number }>(
        'select id::text as user_id, task_count as n from users where id = any($1::bigint[]) order by id for update',
        [users],
      );
      const room = new Map(counts.map((c) => [c.user_id, opts.maxTasks - c.n]));
      // The tasks named in `after` must be the owner's; locked (FOR KEY SHARE) so none is deleted
      // before the edges are written. A create cannot close a cycle: nothing depends on it yet.
      const named = batch.flatMap((p) => p.fields.after ?? []);
      const targets = named.length ? await findTargets(sqlOf(client), named) : new Map();
      const admitted: Pending[] = [];
      for (const p of batch) {
        const problem = targetProblem(p.fields.after ?? [], p.fields.userId, targets);
        if (problem) {
          p.reject(problem);
          continue;
        }
        const left = room.get(p.fields.userId) ?? 0;
        if (left <= 0) {
          p.reject(taskQuotaError(opts.maxTasks));
          continue;
        }
        room.set(p.fields.userId, left - 1);
        admitted.push(p);
      }
      if (admitted.length === 0) {
        await client.query('commit');
        return [];
      }
      const f = admitted.map((p) => p.fields);
      const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
      const inserted = await client.query<{ id: string; created_ms: number }>(
        `insert into tasks (user_id, name, prompt, schedule, timezone, enabled, tools, max_attempts, misfire_policy,
                            misfire_grace_seconds, overlap, pause_after_failures, start_at, end_at, next_run_at,
                            model, webhook_url, webhook_secret, monthly_token_budget, wait_seconds, webhook_events)
         select v.user_id, v.name, v.prompt, v.schedule, v.timezone, v.enabled, array(select jsonb_array_elements_text(v.tools)),
                v.max_attempts, v.misfire_policy, v.misfire_grace_seconds, v.overlap, v.pause_after_failures, v.start_at, v.end_at,
                v.next_run_at, v.model, v.webhook_url, v.webhook_secret, v.monthly_token_budget, v.wait_seconds,
                case when v.webhook_events is not null then array(select jsonb_array_elements_text(v.webhook_events)) end
           from unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::bool[], $7::jsonb[], $8::int[], $9::text[],
                       $10::int[], $11::text[], $12::int[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[],
                       $16::text[], $17::text[], $18::text[], $19::int[], $20::int[], $21::jsonb[])
                with ordinality as v(user_id, name, prompt, schedule, timezone, enabled, tools, max_attempts, misfire_policy,
                                     misfire_grace_seconds, overlap, pause_after_failures, start_at, end_at, next_run_at,
                                     model, webhook_url, webhook_secret, monthly_token_budget, wait_seconds, webhook_events, ord)
          order by v.ord
         returning id::text as id, ${ms('created_at')} as created_ms`,
        [
          f.map((x) => x.userId),
          f.map((x) => x.name),
          f.map((x) => x.prompt),
          f.map((x) => (x.schedule ? JSON.stringify(x.schedule) : null)),
          f.map((x) => x.timezone),
          f.map((x) => x.enabled),
          f.map((x) => JSON.stringify(x.tools)),
          f.map((x) => x.maxAttempts),
          f.map((x) => x.misfirePolicy),
          f.map((x) => x.misfireGraceSeconds),
          f.map((x) => x.overlap),
          f.map((x) => x.pauseAfterFailures),
          f.map((x) => iso(x.startAt)),
          f.map((x) => iso(x.endAt)),
          f.map((x) => iso(x.nextRunAt)),
          f.map((x) => x.model ?? null),
          f.map((x) => x.webhookUrl ?? null),
          f.map((x) => x.webhookSecret ?? null),
          f.map((x) => x.monthlyTokenBudget ?? null),
          f.map((x) => x.waitSeconds ?? DEFAULT_WAIT_SECONDS),
          f.map((x) => (x.webhookEvents ? JSON.stringify(x.webhookEvents) : null)),
        ],
      );
      // INSERT … SELECT … ORDER BY returns rows in insertion order (the same guarantee ORMs' bulk inserts rely on).
      const ids = inserted.rows.map((r) => r.id);
      const keyed = admitted.flatMap((p, i) => (p.idempotency ? [{ p, id: ids[i] as string }] : []));
      const lost: Pending[] = [];
      if (keyed.length) {
        // Claims each key unless a live (< 24 h) claim exists; a concurrent claim of the same key
        // blocks here until it commits, then shows up as "not claimed": that request is replayed.
        const claimed = await client.query<{ task_id: string }>(
          `insert into idempotency_keys (user_id, key, request_hash, task_id)
           select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
           on conflict (user_id, key) do update
             set request_hash = excluded.request_hash, task_id = excluded.task_id, created_at = now()
             where idempotency_keys.created_at <= now() - make_interval(hours => $5)
           returning task_id::text as task_id`,
          [keyed.map((k) => k.p.fields.userId), keyed.map((k) => k.p.idempotency?.key), keyed.map((k) => k.p.idempotency?.hash), keyed.map((k) => k.id), IDEMPOTENCY_TTL_HOURS],
        );
        const won = new Set(claimed.rows.map((r) => r.task_id));
        const losers = keyed.filter((k) => !won.has(k.id));
        if (losers.length) {
          await client.query('delete from tasks where id = any($1::bigint[])', [losers.map((k) => k.id)]);
          lost.push(...losers.map((k) => k.p));
        }
      }
      const lostSet = new Set(lost);
      const created = admitted.map((p, i) => ({ p, id: ids[i] as string, at: inserted.rows[i]?.created_ms as number })).filter((c) => !lostSet.has(c.p));
      await insertEdges(
        sqlOf(client),
        created.flatMap((c) => normalizeAfter(c.p.fields.after ?? []).map((dependsOn) => ({ userId: c.p.fields.userId, taskId: c.id, dependsOn }))),
      );
      // One notification per batch: engines only need to know that something was created.
      if (created.length) await client.query('select pg_notify($1, $2)', [CHANNELS.tasks, JSON.stringify({ op: 'created', n: created.length })]);
      await client.query('commit');
      for (const c of created) {
        const at = new Date(c.at);
        const { after, ...fields } = c.p.fields;
        c.p.resolve({
          task: {
            ...fields,
            after: normalizeAfter(after ?? []).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
            waitSeconds: fields.waitSeconds ?? DEFAULT_WAIT_SECONDS,
            kind: 'user',
            systemName: null,
            description: null,
            orphaned: false,
            hasDependencies: Boolean(after?.length),
            id: c.id,
            consecutiveFailures: 0,
            pausedReason: null,
            lastRunAt: null,
            lastStatus: null,
            createdAt: at,
            updatedAt: at,
          } as TaskView,
          replayed: false,
        });
      }
      return lost;
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  const enqueue = groupCommit<Pending>(MAX_BATCH, async (batch) => {
    // Requests sharing a key in one batch: the first writes, the others replay it afterwards.
    const seen = new Set<string>();
    const first: Pending[] = [];
    const later: Pending[] = [];
    for (const p of batch) {
      const k = p.idempotency ? `${p.fields.userId}\u0000${p.idempotency.key}` : null;
      if (k && seen.has(k)) later.push(p);
      else {
        if (k) seen.add(k);
        first.push(p);
      }
    }
    let replay = later;
    try {
      replay = [...(await writeBatch(first)), ...later];
    } catch (err) {
      if (first.length === 1) (first[0] as Pending).reject(err);
      else {
        // One bad row must not fail its neighbours: write them one by one.
        opts.logger.warn({ err: (err as Error).message, size: first.length }, 'batched task insert failed; retrying one by one');
        for (const p of first) {
          try {
            replay.push(...(await writeBatch([p])));
          } catch (e) {
            p.reject(e);
          }
        }
      }
    }
    for (const p of replay) {
      const key = p.idempotency as { key: string; hash: string };
      replayOf(p.fields.userId, key.key, key.hash).then(
        (r) => (r ? p.resolve(r) : p.reject(new AppError(409, 'conflict', 'a concurrent request with this Idempotency-Key did not complete; retry'))),
        p.reject,
      );
    }
  });

  return {
    replay: replayOf,
    async create(req) {
      return await new Promise<CreateResult>((resolve, reject) => enqueue({ ...req, resolve, reject }));
    },
  };
}
