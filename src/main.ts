import { createServer, type Server } from 'node:http';
import { createApp } from './api/app.ts';
import { ensureLocalUser } from './api/auth.ts';
import { systemClock } from './clock.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { openInfra } from './infra.ts';
import { createLogger, type Logger } from './log.ts';
import { createParser } from './nl-parser/index.ts';
import { createEngine, type Engine } from './scheduler/engine.ts';
import type { RunFn } from './scheduler/runner-port.ts';
import { ZERO_USAGE } from './scheduler/runner-port.ts';

const MODES = ['all', 'api', 'scheduler'] as const;
type Mode = (typeof MODES)[number];

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tickler: ${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function listen(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'all') as Mode;
  if (!MODES.includes(mode)) {
    process.stderr.write(`tickler: unknown mode "${mode}"; use one of ${MODES.join(', ')}\n`);
    process.exit(1);
  }
  const config = readConfig();
  const logger: Logger = createLogger(config.logLevel);
  // A stray rejection or exception is logged, never fatal: one bad request must not take down the fleet.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));

  const infra = await openInfra(config, logger);
  const clock = systemClock;
  const cleanup: Array<() => Promise<void>> = [];
  let ready = false;

  let server: Server | undefined;
  if (mode === 'all' || mode === 'api') {
    const localUserId = config.authMode === 'local' ? await ensureLocalUser(infra.db.orm.em.fork()) : undefined;
    const parser = createParser({ config: config.openai, logger });
    const app = createApp({ config, db: infra.db, logger, clock, parser, localUserId, isReady: () => ready });
    server = createServer(app.callback());
    server.keepAliveTimeout = 65_000;
    await listen(server, config.host, config.port);
    logger.info({ url: `http://${config.host}:${config.port}`, mode, auth: config.authMode }, 'tickler listening');
    const s = server;
    cleanup.push(() => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
      setTimeout(() => s.closeAllConnections(), 5_000).unref();
    }));
  }
  let engine: Engine | undefined;
  if (mode === 'all' || mode === 'scheduler') {
    // Until the LLM runner lands, every run succeeds at once (the engine's contract is the same).
    const run: RunFn = async () => ({ status: 'succeeded', output: '', usage: ZERO_USAGE });
    engine = createEngine({ db: infra.db, clock, logger, run, config: config.scheduler, mode });
    const e = engine;
    // /healthz answers during start-up sync; /readyz waits for it.
    await e.start();
    cleanup.unshift(() => e.stop());
  }
  ready = true;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const step of cleanup) await step().catch((err) => logger.error({ err }, 'shutdown step failed'));
    await infra.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`tickler: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`  cause: ${String((err.cause as Error).message ?? err.cause)}\n`);
  process.exit(1);
});
