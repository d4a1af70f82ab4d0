// The one AMQP connection of a process (AMQP_URL): opened lazily, reopened with backoff when the
// broker goes away, and shared by every publisher (each takes its own confirm channel).
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

export interface AmqpConnection {
  /** A new confirm channel on the shared connection (connecting first); throws while unreachable. */
  confirmChannel(): Promise<ConfirmChannel>;
  /** Whether `exchange` exists; declares it (durable topic) instead when `declare` is set. */
  ensureExchange(exchange: string, declare: boolean): Promise<boolean>;
  /** Null while connected (or never tried); otherwise why the broker is unreachable. */
  problem(): string | null;
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

export function createAmqpConnection(deps: { url: string; clock: Clock; logger: Logger }): AmqpConnection {
  const { url, clock, logger } = deps;
  let model: ChannelModel | null = null;
  let opening: Promise<ChannelModel> | null = null;
  let failures = 0;
  let nextTry = 0;
  let lastProblem: string | null = null;
  let closed = false;

  async function open(): Promise<ChannelModel> {
    if (model) return model;
    if (closed) throw new Error('the AMQP connection is closed');
    if (opening) return opening;
    const wait = nextTry - clock.now().getTime();
    if (wait > 0) throw new Error(lastProblem ?? 'reconnecting to the broker');
    opening = (async () => {
      try {
        const m = await amqp.connect(url, { timeout: 5000 });
        m.on('error', (err: Error) => {
          lastProblem = `the broker connection failed: ${err.message}`;
        });
        m.on('close', () => {
          if (model === m) model = null;
          if (!closed) {
            lastProblem ??= 'the broker closed the connection';
            logger.warn({ problem: lastProblem }, 'AMQP connection lost');
          }
        });
        model = m;
        failures = 0;
        lastProblem = null;
        return m;
      } catch (err) {
        failures++;
        // Backoff between reconnect attempts, so a down broker is not hammered by every publisher.
        nextTry = clock.now().getTime() + Math.min(250 * 2 ** Math.min(failures, 10), MAX_BACKOFF_MS);
        lastProblem = `the broker is unreachable: ${(err as Error).message}`;
        throw new Error(lastProblem, { cause: err });
      } finally {
        opening = null;
      }
    })();
    return opening;
  }

  return {
    async confirmChannel() {
      const m = await open();
      return await m.createConfirmChannel();
    },
    async ensureExchange(exchange, declare) {
      const m = await open();
      // A failed check closes its channel: a throwaway one, never a publisher's.
      const ch = await m.createChannel();
      ch.on('error', () => undefined);
      try {
        if (declare) await ch.assertExchange(exchange, 'topic', { durable: true });
        else await ch.checkExchange(exchange);
        await ch.close().catch(() => undefined);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return false;
        throw err;
      }
    },
    problem: () => lastProblem,
    async close() {
      closed = true;
      const m = model;
      model = null;
      await m?.close().catch(() => undefined);
    },
  };
}
