// A publishing replica in its own process (the kill -9 test): drains DATABASE_URL's outbox to AMQP_URL.
import { createAmqpConnection } from '../../src/actions/amqp-connection.ts';
import { createAmqpPublisher } from '../../src/actions/amqp-publisher.ts';
import { systemClock } from '../../src/clock.ts';
import { createLogger } from '../../src/log.ts';
import { openDatabase } from '../../src/models/db.ts';

const logger = createLogger('silent', false);
const db = await openDatabase({ url: process.env.DATABASE_URL as string, logger, poolSize: 4 });
const connection = createAmqpConnection({ url: process.env.AMQP_URL as string, clock: systemClock, logger });
const publisher = createAmqpPublisher({ db, clock: systemClock, logger, connection }, { batchSize: Number(process.env.BATCH ?? 100), holdMs: Number(process.env.HOLD_MS ?? 2000), pollMs: 100 });
publisher.start();
process.stdout.write('ready\n');
