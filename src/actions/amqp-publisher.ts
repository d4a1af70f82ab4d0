// Drains the outbox to the broker: persistent messages with message_id = execution id on a confirm
// channel, marked sent only after the broker confirms them. A row a dead publisher held is sent again
// once its hold runs out (at-least-once on the wire; consumers dedupe on message_id).
import type { ConfirmChannel } from 'amqplib';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Database } from '../models/db.ts';
import { markOutboxSent, type OutboxRow, retryOutbox, takeOutbox } from '../store/outbox.ts';
import type { AmqpConnection } from './amqp-connection.ts';

export interface PublisherOptions {
  /** Rows taken per round trip. */
  batchSize?: number;
  /** How long a taken row is this publisher's before another may send it. */
  holdMs?: number;
  /** How often to look for rows when nothing kicked it (another replica's dispatches, retries). */
  pollMs?: number;
}

export interface AmqpPublisher {
  start(): void;
  /** Something was just written to the outbox: drain now instead of at the next poll. */
  kick(): void;
  stop(): Promise<void>;
  /** Messages confirmed by the broker since start (for tests and the bench). */
  sent(): number;
}

// Short enough that a broker back from an outage gets the backlog within seconds.
const MAX_RETRY_MS = 5_000;

export function createAmqpPublisher(deps: { db: Database; clock: Clock; logger: Logger; connection: AmqpConnection }, opts: PublisherOptions = {}): AmqpPublisher {
  const { db, clock, logger, connection } = deps;
  const batchSize = opts.batchSize ?? 500;
  const holdMs = opts.holdMs ?? 30_000;
  const pollMs = opts.pollMs ?? 1_000;
  let channel: ConfirmChannel | null = null;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake = new AbortController();
  let stopSignal = new AbortController();
  let sentCount = 0;
  let failures = 0;

  async function getChannel(): Promise<ConfirmChannel> {
    if (channel) return channel;
    const ch = await connection.confirmChannel();
    ch.on('error', (err: Error) => logger.warn({ err: err.message }, 'AMQP channel error'));
    ch.on('close', () => {
      if (channel === ch) channel = null;
    });
    channel = ch;
    return ch;
  }

  async function publish(rows: OutboxRow[]): Promise<void> {
    const ch = await getChannel();
    for (const r of rows) {
      ch.publish(r.exchange, r.routingKey, Buffer.from(JSON.stringify(r.body)), {
        persistent: true,
        messageId: r.executionId,
        contentType: 'application/json',
        headers: r.headers,
        // Unroutable messages come back instead of vanishing silently; they still count as confirmed.
        mandatory: false,
      });
    }
    await ch.waitForConfirms();
  }

  async function round(): Promise<number> {
    const rows = await takeOutbox(db.pool, batchSize, holdMs);
    if (!rows.length) return 0;
    const ids = rows.map((r) => r.id);
    try {
      await publish(rows);
    } catch (err) {
      failures++;
      const delay = Math.min(200 * 2 ** Math.min(failures, 10), MAX_RETRY_MS);
      const message = (err as Error).message;
      logger.warn({ err: message, rows: rows.length, retryInMs: delay }, 'publishing to the broker failed; will retry');
      channel = null;
      await retryOutbox(db.pool, ids, delay, message);
      await clock.sleep(delay, stopSignal.signal);
      return 0;
    }
    failures = 0;
    await markOutboxSent(db.pool, ids);
    sentCount += rows.length;
    return rows.length;
  }

  async function run(): Promise<void> {
    while (running) {
      let n = 0;
      try {
        n = await round();
      } catch (err) {
        // The database was unreachable: rows stay unsent and are taken again later.
        logger.warn({ err: (err as Error).message }, 'outbox round failed');
        await clock.sleep(pollMs, stopSignal.signal);
        continue;
      }
      if (n === batchSize || !running) continue;
      await clock.sleep(pollMs, wake.signal);
      wake = new AbortController();
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopSignal = new AbortController();
      loop = run().catch((err) => logger.error({ err }, 'the outbox publisher stopped unexpectedly'));
    },
    kick() {
      wake.abort();
    },
    async stop() {
      running = false;
      stopSignal.abort();
      wake.abort();
      await loop;
      const ch = channel;
      channel = null;
      await ch?.close().catch(() => undefined);
    },
    sent: () => sentCount,
  };
}
