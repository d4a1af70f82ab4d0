import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

/**
 * One way to run a parameterised statement ($1, $2… placeholders), whether the caller holds a
 * `pg` client (the engine, the task writer) or is inside a MikroORM transaction (API edits), so
 * a statement is written once and runs in the caller's transaction either way.
 */
export type Sql = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export function sqlOf(client: pg.Pool | pg.ClientBase): Sql {
  return async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[];
}

// The ORM formats `?` placeholders itself, and would expand an array into a list: arrays go in as
// PostgreSQL array literals instead (`$1::bigint[]` reads them), so both paths mean the same.
function literal(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return `{${value.map((v) => (v === null ? 'NULL' : JSON.stringify(String(v)))).join(',')}}`;
}

export function sqlOfEm(em: EntityManager): Sql {
  return async <T>(text: string, params: unknown[] = []) => {
    const ordered: unknown[] = [];
    const q = text.replace(/\$(\d+)/g, (_m, n: string) => {
      ordered.push(literal(params[Number(n) - 1]));
      return '?';
    });
    return (await em.execute(q, ordered)) as T[];
  };
}
