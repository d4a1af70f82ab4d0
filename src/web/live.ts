// The page's end of GET /api/events. fetch rather than EventSource, so the API key travels in the
// Authorization header (never in a URL that lands in logs); reconnects with backoff and
// Last-Event-ID, so nothing is missed across a drop; a silent connection (no heartbeat for 45 s)
// counts as dropped.
import type { LiveEvent } from './types.ts';

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveOptions {
  headers: () => Record<string, string>;
  onEvent: (e: LiveEvent) => void;
  /** Events may have been lost (first connection after a drop without an id, or a server reset). */
  onReset: () => void;
  onState: (s: LiveState) => void;
  onUnauthorized: () => void;
}

const SILENCE_MS = 45_000;

export function connectLive(opts: LiveOptions): { close(): void } {
  let lastId: string | null = null;
  let closed = false;
  let attempt = 0;
  let current: AbortController | null = null;
  let everConnected = false;

  function dispatch(block: string): void {
    let id: string | undefined;
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
    }
    if (id) lastId = id;
    if (type === 'reset') {
      opts.onReset();
      return;
    }
    if (!data) return;
    try {
      opts.onEvent({ ...(JSON.parse(data) as LiveEvent), type });
    } catch {
      // a malformed event is skipped, the stream goes on
    }
  }

  async function once(): Promise<'retry' | 'stop'> {
    const abort = new AbortController();
    current = abort;
    let watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
    try {
      const res = await fetch('/api/events', {
        headers: { accept: 'text/event-stream', ...opts.headers(), ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal: abort.signal,
        cache: 'no-store',
      });
      if (res.status === 401) {
        opts.onUnauthorized();
        return 'stop';
      }
      if (!res.ok || !res.body) return 'retry';
      // Reconnected with nothing to resume from: what happened meanwhile is unknown.
      if (everConnected && !lastId) opts.onReset();
      everConnected = true;
      attempt = 0;
      opts.onState('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'retry';
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
        buffer += value.replace(/\r\n?/g, '\n');
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      return 'retry';
    } finally {
      clearTimeout(watchdog);
    }
  }

  void (async () => {
    while (!closed) {
      opts.onState(attempt === 0 && !everConnected ? 'connecting' : 'offline');
      const outcome = await once();
      if (outcome === 'stop' || closed) return;
      opts.onState('offline');
      // 0.5 s, 1 s, 2 s … up to 15 s, with jitter so a restarted server is not hit by everyone at once.
      const delay = Math.min(15_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt++;
      await new Promise((r) => setTimeout(r, delay));
    }
  })();

  return {
    close() {
      closed = true;
      current?.abort();
    },
  };
}
