import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/models/db.ts';
import { startEmbeddedPostgres } from '../src/models/embedded.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL on the test server (its `postgres` database). */
    pgAdminUrl: string;
    /** A database migrated by the production migrator; each test file copies it. */
    templateDb: string;
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * One PostgreSQL for the whole run (DATABASE_URL, or an embedded server in a temp dir), and a
 * template database built by the real migrations. Test files clone it (`testDatabase()`).
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('warn', false);
  let dir: string | undefined;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = await mkdtemp(join(tmpdir(), 'tickler-test-'));
    // Durability buys nothing in a throwaway test cluster; speed does.
    embedded = await startEmbeddedPostgres({ dataDir: dir, logger, settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
    adminUrl = embedded.url;
  }
  const templateDb = `tickler_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${templateDb}`);
  await admin.query(`create database ${templateDb}`);
  const db = await openDatabase({ url: withDatabase(adminUrl, templateDb), logger, migrate: true, poolSize: 2 });
  await db.close();
  project.provide('pgAdminUrl', adminUrl);
  project.provide('templateDb', templateDb);

  return async () => {
    await admin.query(`drop database if exists ${templateDb} with (force)`).catch(() => undefined);
    await admin.end();
    await embedded?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
}
