// Group commit (src/models/group-commit.ts): the first item of a quiet period is written alone, at
// once; the items that arrive while a write is in flight go together in the next, up to maxBatch
// each; a failed write rejects exactly the callers of its batch.
import { describe, expect, it } from 'vitest';
import { groupCommitted } from '../../src/models/group-commit.ts';

/** A write the test releases by hand, recording each batch it was given. */
function heldWrites() {
  const batches: number[][] = [];
  const gates: Array<PromiseWithResolvers<void>> = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const write = async (items: number[]) => {
    batches.push(items);
    for (const w of waiters) if (batches.length >= w.n) w.resolve();
    const gate = Promise.withResolvers<void>();
    gates.push(gate);
    await gate.promise;
    if (items.includes(-1)) throw new Error('write failed');
    return (x: number) => x * 10;
  };
  /** Resolves once the n-th write has begun. */
  const begun = (n: number) => (batches.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
  return { write, batches, gates, begun };
}

describe('groupCommitted', () => {
  it('writes the first item alone and those queued meanwhile together, at most maxBatch a write', async () => {
    const w = heldWrites();
    const call = groupCommitted(w.write, 3);
    const results = [1, 2, 3, 4, 5, 6].map((x) => call(x));
    expect(w.batches).toEqual([[1]]);
    w.gates[0]?.resolve();
    await w.begun(2);
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.gates[1]?.resolve();
    await w.begun(3);
    expect(w.batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    w.gates[2]?.resolve();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('with a large maxBatch, an instant queued behind the first write takes one more write', async () => {
    const w = heldWrites();
    const call = groupCommitted(w.write, 20_000);
    const results = Array.from({ length: 10_000 }, (_, i) => call(i + 1));
    w.gates[0]?.resolve();
    await w.begun(2);
    expect(w.batches.map((b) => b.length)).toEqual([1, 9_999]);
    w.gates[1]?.resolve();
    expect((await Promise.all(results)).at(-1)).toBe(100_000);
  });

  it('rejects the callers of a failed write only, and goes on with the next', async () => {
    const w = heldWrites();
    const call = groupCommitted(w.write, 10);
    const first = call(1);
    const failing = [call(-1), call(2)];
    const settled = Promise.allSettled(failing);
    w.gates[0]?.resolve();
    await first;
    await w.begun(2);
    const later = call(3);
    w.gates[1]?.resolve();
    await w.begun(3);
    expect((await settled).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    w.gates[2]?.resolve();
    expect(await later).toBe(30);
    expect(w.batches).toEqual([[1], [-1, 2], [3]]);
  });
});
