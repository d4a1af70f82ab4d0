import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { type Database, openDatabase } from '../../src/models/db.ts';

export interface TestDatabase {
  url: string;
  name: string;
  /** Opens an ORM + pool on this database (close it yourself, or via drop()). */
  open(poolSize?: number): Promise<Database>;
  /** Drops the database (forcibly closing connections). */
  drop(): Promise<void>;
}

export function urlFor(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh database for one test file: a copy of the migrated template (milliseconds, not a migration run). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('templateDb');
  const name = `tickler_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const opened: Database[] = [];
  const url = urlFor(adminUrl, name);
  return {
    url,
    name,
    async open(poolSize = 10) {
      const db = await openDatabase({ url, logger: createLogger('silent', false), poolSize });
      opened.push(db);
      return db;
    },
    async drop() {
      await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
      if (process.env.KEEP_TEST_DB) return;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await c.end();
    },
  };
}

/**
 * A user with `n` one-off tasks named t1…tN (due far ahead), written in two statements on a plain
 * client: the seed of tests that read PostgreSQL's plans on thousands of rows. Returns the user's id.
 */
export async function seedUserTasks(client: pg.ClientBase, user: string, n: number): Promise<string> {
  const { rows } = await client.query<{ id: string }>(`insert into users (name) values ($1) returning id::text as id`, [user]);
  const userId = rows[0]?.id as string;
  await client.query(
    `insert into tasks (user_id, name, prompt, schedule, timezone)
     select $1, 't' || g, 'p', '{"kind":"once","at":"2030-01-01T00:00:00Z"}', 'UTC' from generate_series(1, $2::int) g`,
    [userId, n],
  );
  return userId;
}
