// `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits.
import { loadConfig } from '../config.ts';
import { openInfra } from '../infra.ts';
import { createLogger } from '../log.ts';
import { migrate } from '../models/db.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const infra = await openInfra(config, logger, { migrate: false });
try {
  const applied = await migrate(infra.db, logger);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
} finally {
  await infra.close();
}
