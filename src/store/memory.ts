// Statements on task_memory: the small key/value store a task's runs share (the memory_set tool).
import type pg from 'pg';

/** Forgets one key of a task's memory (absent already is fine). */
export async function deleteMemory(db: pg.Pool | pg.ClientBase, taskId: string, key: string): Promise<void> {
  await db.query('delete from task_memory where task_id = $1 and key = $2', [taskId, key]);
}

/** Sets one key of a task's memory; the value is stored as a JSON string. */
export async function upsertMemory(db: pg.Pool | pg.ClientBase, taskId: string, key: string, value: string, at: Date): Promise<void> {
  await db.query(
    `insert into task_memory (task_id, key, value, updated_at) values ($1, $2, to_jsonb($3::text), $4)
     on conflict (task_id, key) do update set value = excluded.value, updated_at = excluded.updated_at`,
    [taskId, key, value, at],
  );
}
