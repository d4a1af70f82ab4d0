import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { type Database, openDatabase } from './models/db.ts';
import { startEmbeddedPostgres } from './models/embedded.ts';

export interface Infra {
  db: Database;
  /** Closes the pool, then stops the embedded server if we started one. */
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts the embedded server under DATA_DIR; migrates either way. */
export async function openInfra(config: Config, logger: Logger, opts: { migrate?: boolean } = {}): Promise<Infra> {
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  try {
    const db = await openDatabase({
      url: config.databaseUrl ?? (embedded?.url as string),
      poolSize: config.dbPoolSize,
      logger,
      migrate: opts.migrate ?? true,
    });
    return {
      db,
      async close() {
        await db.close().catch((err) => logger.warn({ err }, 'closing the database pool failed'));
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
