import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** As long as a preview's reading: an hour to read the proposal and confirm it. */
export const PROPOSAL_TTL_SECONDS = 3600;

export interface Proposal {
  id: string;
  patch: Record<string, unknown>;
  source: 'rules' | 'llm';
  expiresAt: Date;
}

/** Keeps a proposal; expired ones go a bounded batch at a time, as with schedule readings. */
export async function saveProposal(
  db: pg.Pool | pg.ClientBase,
  p: { userId: string; taskId: string; text: string; patch: Record<string, unknown>; source: 'rules' | 'llm'; taskVersion: Date },
  now: Date,
): Promise<Proposal> {
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + PROPOSAL_TTL_SECONDS * 1000);
  await db.query(
    `with gone as (
       delete from edit_proposals where id in (select id from edit_proposals where expires_at < $8 limit 100)
     )
     insert into edit_proposals (id, user_id, task_id, text, patch, source, task_version, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, p.userId, p.taskId, p.text, JSON.stringify(p.patch), p.source, p.taskVersion, now, expiresAt],
  );
  return { id, patch: p.patch, source: p.source, expiresAt };
}

/** The latest live proposal for this text on this version of the task, if any. */
export async function findProposal(db: pg.Pool | pg.ClientBase, q: { userId: string; taskId: string; text: string; taskVersion: Date }, now: Date): Promise<Proposal | null> {
  const { rows } = await db.query<{ id: string; patch: Record<string, unknown>; source: 'rules' | 'llm'; expires_at: Date | string }>(
    `select id, patch, source, expires_at from edit_proposals
      where task_id = $1 and user_id = $2 and text = $3 and task_version = $4 and expires_at > $5
      order by created_at desc limit 1`,
    [q.taskId, q.userId, q.text, q.taskVersion, now],
  );
  const r = rows[0];
  return r ? { id: r.id, patch: r.patch, source: r.source, expiresAt: new Date(r.expires_at) } : null;
}
