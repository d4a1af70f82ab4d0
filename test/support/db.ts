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
