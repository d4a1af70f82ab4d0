// Group commit for the action runner's per-fire statements: calls made while a write is in flight
// wait for it and then go together in the next one. At an instant with thousands of fires this turns
// a round trip (or a transaction) per fire into one per batch, with no added delay for a lone fire.

/** Returns a function that queues one item and resolves with that item's share of its batch's result. */
export function groupCommit<I, R>(write: (items: I[]) => Promise<(item: I) => R>, maxBatch = 1000): (item: I) => Promise<R> {
  const queue: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let draining = false;

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length) {
        const batch = queue.splice(0, maxBatch);
        try {
          const pick = await write(batch.map((b) => b.item));
          for (const b of batch) b.resolve(pick(b.item));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      draining = false;
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!draining) void drain();
    });
}
