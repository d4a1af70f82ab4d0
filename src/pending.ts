/**
 * A count of things in progress that callers can wait to see at zero: the runs and requests of a
 * burst not sent yet (src/llm/chat.ts, src/runner/runner.ts).
 */
export interface Pending {
  /** Counts one more; the function returned uncounts it, once however often it is called. */
  add(): () => void;
  size(): number;
  /** Resolves when the count is zero (at once if it is). */
  zero(): Promise<void>;
}

export function createPending(): Pending {
  let n = 0;
  // One promise for every waiter: waits that give up (callers bound them in time) leave nothing behind.
  let atZero: { promise: Promise<void>; resolve: () => void } | null = null;
  return {
    add() {
      n++;
      let counted = true;
      return () => {
        if (!counted) return;
        counted = false;
        if (--n > 0 || !atZero) return;
        atZero.resolve();
        atZero = null;
      };
    },
    size: () => n,
    zero() {
      if (n === 0) return Promise.resolve();
      atZero ??= Promise.withResolvers<void>();
      return atZero.promise;
    },
  };
}
