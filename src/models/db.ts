import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { lockMigrations, unlockMigrations } from '../store/migration-lock.ts';
import { entities } from './entities.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));


export interface Database {
  orm: MikroORM;
  /** The `pg` pool behind the ORM, for the engine's set-based SQL (one pool, one set of limits). */
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  url: string;
  poolSize?: number;
  logger: Logger;
  /** Apply pending migrations before returning (start-up does; `npm run migrate` does only that). */
  migrate?: boolean;
}

/** Connects the ORM to `url`, optionally migrating first. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: opts.url,
    entities,
    extensions: [Migrator],
    migrations: {
      path: MIGRATIONS_DIR,
      glob: 'Migration*.ts',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: opts.poolSize ?? 20, idleTimeoutMillis: 30_000 },
    // Named (prepared) statements are the run path's: batches keyed by unnest($1::bigint[]) and
    // friends, whose best plan does not depend on the values. Left to choose, PostgreSQL kept
    // re-planning them for every call (a custom plan looks cheaper than a generic one whose unnest
    // it estimates at 10 rows): 0.12 ms of planning per run-now insert of ~4 rows, ~12% of the
    // database's CPU under POST /run (perf, bench/README.md). Statements whose plan does depend on
    // the values (optional filters, as in the list pages) are sent unnamed and planned per call.
    driverOptions: { options: '-c plan_cache_mode=force_generic_plan' },
    debug: false,
    // The API serialises ids itself; keep the ORM from validating on every flush in hot paths.
    validateRequired: false,
    allowGlobalContext: false,
  });
  const pool = (await orm.em.getConnection().getNativeClient()) as pg.Pool;
  const db: Database = {
    orm,
    pool,
    url: opts.url,
    close: () => orm.close(true),
  };
  if (opts.migrate) await migrate(db, opts.logger);
  return db;
}

/** Applies pending migrations under an advisory lock, so concurrent replicas migrate once. */
export async function migrate(db: Database, logger: Logger): Promise<string[]> {
  const client = await db.pool.connect();
  try {
    await lockMigrations(client);
    const applied = await db.orm.migrator.up();
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
    return applied.map((m) => m.name);
  } finally {
    await unlockMigrations(client).catch(() => undefined);
    client.release();
  }
}
