// One Server-Sent Events stream to one client: the wire format, the hand-over from replay to live,
// and the bounds that keep a slow or vanished client from holding memory.
import { PassThrough } from 'node:stream';
import { type Cursor, compareCursors, type StoredEvent } from '../store/events.ts';

/** A client that stops reading is dropped past this much unsent output; it reconnects and replays. */
const MAX_UNSENT_BYTES = 1 << 20;
/** Live events held while the replay query runs; a client that falls this far behind gets a reset. */
const MAX_HELD_EVENTS = 5000;

/** The JSON a client receives for an event (the SSE `data:` line). */
export function eventJson(e: StoredEvent): Record<string, unknown> {
  return { id: e.id, type: e.type, taskId: e.taskId, executionId: e.executionId, at: e.createdAt, ...e.data };
}

/** One SSE frame. `data` is JSON, so it never holds a raw newline and needs a single `data:` line. */
export function frame(e: StoredEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(eventJson(e))}\n\n`;
}

export interface SseClient {
  readonly userId: string;
  readonly stream: PassThrough;
  /** A live event from the hub: held during replay, then sent once, in log order. */
  deliver(e: StoredEvent): void;
  /**
   * Sends the replayed events, then what arrived meanwhile, and goes live. `after`: the client's
   * last event; anything at or before it was already seen (perhaps through another replica).
   */
  goLive(replay: { after: Cursor | null; events: StoredEvent[]; reset: boolean }): void;
  comment(text: string): void;
  /** Ends the stream after what is already written; the client's slot is free at once. */
  close(): void;
}

/**
 * A client of one user. Live events are held until `goLive`, so the replay and the live feed meet
 * without a gap or a duplicate. `onEnd` runs exactly once, on whichever way the stream ends first:
 * close(), a destroyed stream (the connection went away), or a client that stopped reading.
 */
export function createSseClient(userId: string, onEnd: () => void = () => {}): SseClient {
  const stream = new PassThrough();
  let last: Cursor | null = null;
  let held: StoredEvent[] | null = [];
  let closed = false;
  const end = () => {
    if (closed) return;
    closed = true;
    held = null;
    onEnd();
  };
  stream.once('close', end);

  const write = (text: string) => {
    if (closed) return;
    stream.write(text);
    if (stream.writableLength > MAX_UNSENT_BYTES) {
      // It is not reading: an orderly end would wait behind the unsent output forever.
      end();
      stream.destroy();
    }
  };
  const send = (e: StoredEvent) => {
    if (last && compareCursors(e.cursor, last) <= 0) return;
    last = e.cursor;
    write(frame(e));
  };

  const client: SseClient = {
    userId,
    stream,
    deliver(e) {
      if (closed) return;
      if (held === null) return send(e);
      held.push(e);
      if (held.length > MAX_HELD_EVENTS) {
        // Too much to replay in order: tell the page to reload its state instead.
        held = [];
        write('event: reset\ndata: {}\n\n');
      }
    },
    goLive(replay) {
      if (closed) return;
      if (replay.reset) write('event: reset\ndata: {}\n\n');
      last = replay.after;
      for (const e of replay.events) send(e);
      const waiting = held ?? [];
      held = null;
      for (const e of waiting) send(e);
    },
    comment(text) {
      write(`: ${text}\n\n`);
    },
    close() {
      if (closed) return;
      end();
      stream.end();
    },
  };
  // How long EventSource waits before reconnecting; then the first bytes flush the headers at once.
  stream.write('retry: 2000\n: connected\n\n');
  return client;
}
