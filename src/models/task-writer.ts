import { AppError } from '../errors.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type pg from 'pg';
import { claimBatchKey, claimIdempotencyKeys, findIdempotencyKey } from '../store/idempotency-keys.ts';
import { findTargets, insertEdges, normalizeAfter, targetProblem } from '../store/task-graph.ts';
import { taskQuotaError } from '../store/task-quota.ts';
import { deleteTasks, findTask, findTasks, insertTasks, insertTasksAtOnce, lockTaskCounts, type NewTask, notifyTasks, type TaskView } from '../store/tasks.ts';
import { withTx } from '../store/tx.ts';
import { groupCommit } from './group-commit.ts';
import { CHANNELS } from './notify.ts';
import { sqlOf } from '../store/sql.ts';

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

export type BatchResult = { tasks: TaskView[]; replayed: boolean };

/** A batch's tasks, resolved one by one while the earlier ones are written. */
export interface BatchSource {
  /** How many tasks the batch holds: the limit is checked against it before any is written. */
  count: number;
  /** The i-th task's fields, asked for in order; what it throws is the batch's answer (nothing is created). */
  task(i: number): Promise<NewTask> | NewTask;
  /**
   * Told each chunk as soon as it is inserted (`from`: the index of its first task), while the
   * next is still being written: the caller may start on its answer. Only a created, non-replayed
   * result means these tasks exist; a rollback or a replay discards them.
   */
  written?(tasks: readonly TaskView[], from: number): void;
}

export interface TaskWriter {
  create(req: CreateRequest): Promise<CreateResult>;
  /**
   * All of a batch's tasks for one user in one transaction, or none of them: a bad `after` is a
   * 422 naming `tasks[i].after.j`, a batch past the user's limit a 422. Written in multi-row
   * inserts of CHUNK tasks, each sent while the next is resolved.
   */
  createMany(userId: string, source: BatchSource, idempotency?: { key: string; hash: string }): Promise<BatchResult>;
  /** The batch an earlier request with this key created, a 422 if its body differed, or null. */
  replayMany(userId: string, key: string, hash: string): Promise<BatchResult | null>;
  /** The result of an earlier request with this key (within 24 h), a 422 if its body differed, or null. */
  replay(userId: string, key: string, hash: string): Promise<CreateResult | null>;
}

const MAX_BATCH = 500;
/** Tasks per insert statement of a batch create (see createMany). */
export const CHUNK = 250;

/** The error of the batch's i-th task, its field paths under `tasks[i]`. */
export function atIndex(err: unknown, i: number): unknown {
  if (!(err instanceof AppError)) return err;
  const at = (path: string) => `tasks[${i}].${path}`;
  return new AppError(err.status, err.code, at(err.message), {
    ...(err.errors ? { errors: err.errors.map((e) => ({ ...e, path: at(e.path) })) } : {}),
    ...(err.details ? { details: err.details } : {}),
    ...(err.headers ? { headers: err.headers } : {}),
    cause: err,
  });
}

// The request that won this key's race rolled back: nothing to replay, and the caller may retry.
const keyLostUnfinished = () => new AppError(409, 'conflict', 'a concurrent request with this Idempotency-Key did not complete; retry');

const keyReused = () =>
  new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was already used with a different request body', {
    errors: [{ path: 'Idempotency-Key', message: 'already used with a different request body' }],
  });

export function createTaskWriter(opts: { pool: pg.Pool; maxTasks: number; logger: Logger; clock: Clock }): TaskWriter {
  const { pool } = opts;

  /** The task an earlier request with this key created (within 24 h), a mismatch error, or null. */
  async function replayOf(userId: string, key: string, hash: string): Promise<CreateResult | null> {
    const claim = await findIdempotencyKey(pool, userId, key);
    if (!claim) return null;
    if (claim.requestHash !== hash) throw keyReused();
    const task = await findTask(pool, userId, claim.taskId);
    if (!task) throw new AppError(409, 'conflict', 'the task created with this Idempotency-Key has since been deleted');
    return { task, replayed: true };
  }

  /** Writes one batch in one transaction; returns the requests whose key lost a race (to replay). */
  async function writeBatch(batch: Pending[]): Promise<Pending[]> {
    // The common create (no dependencies, no key) is one statement; a batch that would pass a
    // user's limit falls through to the transaction below, which says whose create is refused.
    if (batch.every((p) => !p.idempotency && !p.fields.after?.length)) {
      const made = await insertTasksAtOnce(
        pool,
        batch.map((p) => p.fields),
        opts.clock.now(),
        { maxTasks: opts.maxTasks, channel: CHANNELS.tasks, payload: { op: 'created', n: batch.length } },
      );
      if (made) {
        for (const [i, p] of batch.entries()) p.resolve({ task: made[i] as TaskView, replayed: false });
        return [];
      }
    }
    const { lost, created } = await withTx(pool, async (client) => {
      const counts = await lockTaskCounts(
        client,
        batch.map((p) => p.fields.userId),
      );
      const room = new Map([...counts].map(([u, n]) => [u, opts.maxTasks - n]));
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
      if (admitted.length === 0) return { lost: [] as Pending[], created: [] };
      const tasks = await insertTasks(
        client,
        admitted.map((p) => p.fields),
        opts.clock.now(),
      );
      const keyed = admitted.flatMap((p, i) => (p.idempotency ? [{ p, id: (tasks[i] as TaskView).id }] : []));
      const lost: Pending[] = [];
      if (keyed.length) {
        const won = await claimIdempotencyKeys(
          client,
          keyed.map((k) => ({ userId: k.p.fields.userId, key: k.p.idempotency?.key as string, hash: k.p.idempotency?.hash as string, taskId: k.id })),
        );
        const losers = keyed.filter((k) => !won.has(k.id));
        await deleteTasks(
          client,
          losers.map((k) => k.id),
        );
        lost.push(...losers.map((k) => k.p));
      }
      const lostSet = new Set(lost);
      const created = admitted.map((p, i) => ({ p, task: tasks[i] as TaskView })).filter((c) => !lostSet.has(c.p));
      await insertEdges(
        sqlOf(client),
        created.flatMap((c) => normalizeAfter(c.p.fields.after ?? []).map((dependsOn) => ({ userId: c.p.fields.userId, taskId: c.task.id, dependsOn }))),
      );
      // One notification per batch: engines only need to know that something was created.
      if (created.length) await notifyTasks(client, CHANNELS.tasks, { op: 'created', n: created.length });
      return { lost, created };
    });
    // Resolved only once committed: a client told 201 can read its task from any replica.
    for (const c of created) c.p.resolve({ task: c.task, replayed: false });
    return lost;
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
        (r) => (r ? p.resolve(r) : p.reject(keyLostUnfinished())),
        p.reject,
      );
    }
  });

  async function replayMany(userId: string, key: string, hash: string): Promise<BatchResult | null> {
    const claim = await findIdempotencyKey(pool, userId, key);
    if (!claim) return null;
    if (claim.requestHash !== hash || !claim.taskIds) throw keyReused();
    const found = new Map((await findTasks(pool, userId, claim.taskIds)).map((t) => [t.id, t]));
    const tasks = claim.taskIds.map((id) => found.get(id));
    if (tasks.some((t) => !t)) throw new AppError(409, 'conflict', 'a task created with this Idempotency-Key has since been deleted');
    return { tasks: tasks as TaskView[], replayed: true };
  }

  async function createMany(userId: string, source: BatchSource, idempotency?: { key: string; hash: string }): Promise<BatchResult> {
    const lost = Symbol('key lost');
    const written = await withTx(pool, async (client) => {
      const counts = await lockTaskCounts(client, [userId]);
      const owned = counts.get(userId) ?? 0;
      // A refusal (the limit, a bad `after`) stops the writes but not the resolving: an invalid
      // task anywhere in the batch is the answer before either, as when all were resolved first.
      let refused: unknown = owned + source.count > opts.maxTasks ? taskQuotaError(opts.maxTasks, { owned, adding: source.count }) : null;
      const tasks: NewTask[] = [];
      // Each chunk is written as soon as it is resolved, one statement after the other on this
      // connection: the database inserts a chunk while the next is resolved and encoded here.
      let tail: Promise<TaskView[]> = Promise.resolve([]);
      const writes: Promise<TaskView[]>[] = [];
      const now = opts.clock.now();
      const flush = async (from: number) => {
        const chunk = tasks.slice(from);
        const named = chunk.flatMap((t) => t.after ?? []);
        if (named.length) {
          await tail;
          const targets = await findTargets(sqlOf(client), named);
          for (const [j, t] of chunk.entries()) {
            const problem = targetProblem(t.after ?? [], userId, targets);
            if (problem) {
              refused = atIndex(problem, from + j);
              return;
            }
          }
        }
        tail = tail.then(async () => {
          const made = await insertTasks(client, chunk, now);
          source.written?.(made, from);
          return made;
        });
        // Awaited below, or settled before the rollback when a later task turns out invalid.
        tail.catch(() => {});
        writes.push(tail);
      };
      try {
        for (let i = 0, from = 0; i < source.count; i++) {
          tasks.push(await source.task(i));
          if (!refused && (tasks.length - from === CHUNK || i === source.count - 1)) {
            await flush(from);
            from = tasks.length;
          }
        }
      } catch (err) {
        // The rollback waits for the statement in flight (one query at a time on a connection).
        await Promise.allSettled(writes);
        throw err;
      }
      if (refused) {
        await Promise.allSettled(writes);
        throw refused;
      }
      const made = (await Promise.all(writes)).flat();
      const ids = made.map((t) => t.id);
      // Lost to a concurrent request with the same key (which blocked us until it committed):
      // this transaction rolls back and that request's batch is returned.
      if (idempotency && !(await claimBatchKey(client, { userId, key: idempotency.key, hash: idempotency.hash, taskIds: ids }))) throw lost;
      await insertEdges(
        sqlOf(client),
        made.flatMap((t) => t.after.map((dependsOn) => ({ userId, taskId: t.id, dependsOn }))),
      );
      await notifyTasks(client, CHANNELS.tasks, { op: 'created', n: made.length });
      return made;
    }).catch((err: unknown) => {
      if (err === lost) return null;
      throw err;
    });
    if (written) return { tasks: written, replayed: false };
    const key = idempotency as { key: string; hash: string };
    const earlier = await replayMany(userId, key.key, key.hash);
    if (!earlier) throw keyLostUnfinished();
    return earlier;
  }

  return {
    replay: replayOf,
    replayMany,
    createMany,
    async create(req) {
      return await new Promise<CreateResult>((resolve, reject) => enqueue({ ...req, resolve, reject }));
    },
  };
}
