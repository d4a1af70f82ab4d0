/**
 * Group commit: items queued while a write is in flight go together in the next write (at most
 * `maxBatch` each), one write at a time. The first item of a quiet period is written at once. `write`
 * settles its items itself and must not throw.
 */
export function groupCommit<T>(maxBatch: number, write: (batch: T[]) => Promise<void>): (item: T) => void {
  let queue: T[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (queue.length) {
        const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
        if (batch === queue) queue = [];
        await write(batch);
      }
    } finally {
      writing = false;
    }
  }

  return (item) => {
    queue.push(item);
    if (!writing) void drain();
  };
}
