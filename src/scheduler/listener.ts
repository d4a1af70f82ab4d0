import pg from 'pg';
import { type Clock, systemClock, type TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import { listenTo } from '../store/listen.ts';

export interface Listener {
  close(): Promise<void>;
}

export interface ListenOptions {
  url: string;
  channels: string[];
  logger: Logger;
  /** Runs the reconnection backoff (default: the system clock). */
  clock?: Clock;
  onNotify: (channel: string, payload: string) => void;
  /** Called after every (re)connection: notifications sent while disconnected were lost. */
  onConnect?: () => void;
}

/**
 * A dedicated connection that LISTENs and reconnects with backoff (PostgreSQL restarts, network
 * blips). Notifications are only a wake-up call; polling covers whatever is lost in between.
 */
export function listen(opts: ListenOptions): Listener {
  let client: pg.Client | null = null;
  let closed = false;
  let delay = 100;
  let timer: TimerHandle | undefined;
  const clock = opts.clock ?? systemClock;

  const schedule = () => {
    if (closed) return;
    timer = clock.setTimeout(connect, delay);
    delay = Math.min(delay * 2, 5_000);
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: opts.url, keepAlive: true });
    c.on('error', (err) => opts.logger.warn({ err: err.message }, 'listener connection error'));
    c.on('end', () => {
      if (client === c) client = null;
      if (!closed) {
        opts.logger.warn('listener connection lost; reconnecting');
        schedule();
      }
    });
    c.on('notification', (n) => opts.onNotify(n.channel, n.payload ?? ''));
    try {
      await c.connect();
      await listenTo(c, opts.channels);
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      client = c;
      delay = 100;
      opts.onConnect?.();
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, 'listener could not connect; retrying');
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      schedule();
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clock.clearTimeout(timer);
      const c = client;
      client = null;
      if (c) await c.end().catch(() => undefined);
    },
  };
}
