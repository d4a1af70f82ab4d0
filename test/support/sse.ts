// A Server-Sent Events client for tests: fetch with a streaming body, frames parsed as they arrive,
// and waits on what arrives instead of sleeps.
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The body when the server answered with something else than a stream (a problem document). */
  body: any;
  readonly events: SseEvent[];
  readonly comments: string[];
  /** The first event (already received or still to come) matching `match`. */
  waitFor(match: (e: SseEvent) => boolean, ms?: number, what?: string): Promise<SseEvent>;
  /** Waits for a comment line (heartbeat). */
  waitForComment(text: string, ms?: number): Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let body: any;
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await res.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } else {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              const m = /^(\w+): ?(.*)$/.exec(line);
              if (m) fields[m[1] as string] = m[2] as string;
            }
            if (fields.data !== undefined) events.push({ id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) });
            end = buffer.indexOf('\n\n');
          }
          wake();
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  const until = (check: () => boolean, ms: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; received: ${events.map((e) => `${e.id}:${e.event}`).join(', ') || 'nothing'}`));
      }, ms);
      waiters.add(waiter);
    });
  return {
    status: res.status,
    headers: res.headers,
    body,
    events,
    comments,
    async waitFor(match, ms = 5000, what = 'an event') {
      await until(() => events.some(match), ms, what);
      return events.find(match) as SseEvent;
    },
    async waitForComment(text, ms = 5000) {
      await until(() => comments.includes(text), ms, `comment "${text}"`);
    },
    close: () => abort.abort(),
  };
}
