import type { AmqpConnection } from '../actions/amqp-connection.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Database } from '../models/db.ts';
import type { ScheduleParser } from '../nl-parser/parser.ts';
import type { KeyCache } from './key-cache.ts';

/** Everything the HTTP app needs, built by main.ts (or a test) and passed in. */
export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  clock: Clock;
  parser: ScheduleParser;
  /** The built-in user that keyless requests act as in `local` auth mode. */
  localUserId?: string;
  /** True once start-up sync has finished (`/readyz`). */
  isReady: () => boolean;
  /** Prometheus registry; /metrics serves it. */
  metrics?: Metrics;
  /**
   * The auth cache of API keys; main.ts hands the same one to watchKeyRevocations so revocations
   * on other replicas reach it. Default: a cache of this app's own (revocations here only).
   */
  keyCache?: KeyCache;
  /** The process's broker connection (AMQP_URL): validates amqp actions at create, and /readyz reports it. */
  amqp?: AmqpConnection;
}
