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

/**
 * groupCommit for callers that await their item: `write` takes a batch and returns how to pick each
 * item's result from it; a failed write rejects every caller of its batch. The action runner's
 * per-fire lookups and dispatch writes go through this: a round trip per batch instead of per fire.
 */
export function groupCommitted<I, R>(write: (items: I[]) => Promise<(item: I) => R>, maxBatch = 1000): (item: I) => Promise<R> {
  const enqueue = groupCommit<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }>(maxBatch, async (batch) => {
    try {
      const pick = await write(batch.map((b) => b.item));
      for (const b of batch) b.resolve(pick(b.item));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  });
  return (item) => new Promise<R>((resolve, reject) => enqueue({ item, resolve, reject }));
}
