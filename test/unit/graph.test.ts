import { describe, expect, it } from 'vitest';
import { buildGraph, type DependencyGraph, describeCycle, findCycle, graphFromBytes } from '../../src/scheduler/graph.ts';

// Edges as "task runs after dependsOn", ids as strings of digits.
const graph = (edges: Array<[string | number, string | number]>): DependencyGraph =>
  buildGraph(
    edges.map(([a]) => Number(a)),
    edges.map(([, b]) => Number(b)),
  );
const deps = (g: DependencyGraph, id: number) => {
  const i = g.indexOf(id);
  return [...g.targets.slice(g.start[i], g.start[i + 1])].map((t) => g.idAt(t));
};

describe('building the graph', () => {
  it('keeps each task\'s dependencies', () => {
    const g = graph([
      [2, 1],
      [3, 1],
      [3, 2],
    ]);
    expect(deps(g, 2)).toEqual([1]);
    expect(deps(g, 3)).toEqual([1, 2]);
    expect(deps(g, 1)).toEqual([]);
  });

  it('reads the binary pairs PostgreSQL packs, narrow (offsets) and wide (whole ids)', () => {
    const narrow = Buffer.alloc(16);
    narrow.writeInt32BE(1, 0); // task base+1 runs after base+0
    narrow.writeInt32BE(0, 4);
    narrow.writeInt32BE(2, 8);
    narrow.writeInt32BE(1, 12);
    const g = graphFromBytes(narrow, 4, 1000);
    expect(deps(g, 1001)).toEqual([1000]);
    expect(deps(g, 1002)).toEqual([1001]);
    const wide = Buffer.alloc(16);
    wide.writeBigInt64BE(2n ** 40n + 7n, 0);
    wide.writeBigInt64BE(5n, 8);
    expect(deps(graphFromBytes(wide, 8, 0), 2 ** 40 + 7)).toEqual([5]);
    expect(graphFromBytes(null, 4, 0).size).toBe(0);
    // sparse offsets (a user's ids among many others') go through the id map instead
    const sparse = Buffer.alloc(8);
    sparse.writeInt32BE(2_000_000_000, 0);
    sparse.writeInt32BE(3, 4);
    const g2 = graphFromBytes(sparse, 4, 10);
    expect(g2.size).toBe(2);
    expect(deps(g2, 2_000_000_010)).toEqual([13]);
    expect(findCycle(g2, '13', ['2000000010'])).toEqual(['13', '2000000010', '13']);
  });
});

describe('findCycle', () => {
  it('finds none when the new dependencies do not lead back to the task', () => {
    // 3 after 2 after 1; 4 after 3: making 1 run after 4's sibling 5 is fine
    const g = graph([
      ['2', '1'],
      ['3', '2'],
      ['4', '3'],
    ]);
    expect(findCycle(g, '5', ['4', '1'])).toBeNull();
    expect(findCycle(g, '4', ['1', '2'])).toBeNull();
  });

  it('refuses a self-edge', () => {
    expect(findCycle(graph([]), '7', ['7'])).toEqual(['7', '7']);
  });

  it('finds a two-task cycle, in running order', () => {
    // 2 runs after 1; now 1 after 2: 1 → 2 → 1
    expect(findCycle(graph([['2', '1']]), '1', ['2'])).toEqual(['1', '2', '1']);
  });

  it('finds a three-task cycle: A → B → C → A', () => {
    const g = graph([
      [20, 10],
      [30, 20],
    ]);
    expect(findCycle(g, '10', ['30'])).toEqual(['10', '20', '30', '10']);
  });

  it('finds a long cycle without recursion (100,000 tasks in a chain)', () => {
    const n = 100_000;
    const edges: Array<[number, number]> = [];
    for (let i = 2; i <= n; i++) edges.push([i, i - 1]);
    const cycle = findCycle(graph(edges), '1', [String(n)]);
    expect(cycle).toHaveLength(n + 1);
    expect(cycle?.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(cycle?.at(-2)).toBe(String(n));
    expect(cycle?.at(-1)).toBe('1');
  });

  it('ignores the task\'s own current edges (they are being replaced)', () => {
    // 1 currently runs after 2; replacing that with [3] closes nothing
    expect(
      findCycle(
        graph([
          ['1', '2'],
          ['3', '4'],
        ]),
        '1',
        ['3'],
      ),
    ).toBeNull();
  });

  it('visits shared ancestors once (a diamond-rich DAG stays linear)', () => {
    // 30 layers of 30 tasks, each task after every task of the layer below: 27,000 edges,
    // astronomically many paths; the search must still be instant.
    const id = (layer: number, i: number) => layer * 100 + i;
    const edges: Array<[number, number]> = [];
    for (let layer = 1; layer < 30; layer++) {
      for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) edges.push([id(layer, i), id(layer - 1, j)]);
    }
    const g = graph(edges);
    const t0 = performance.now();
    expect(findCycle(g, '999999', [String(id(29, 0))])).toBeNull();
    expect(findCycle(g, String(id(0, 5)), [String(id(29, 3))])?.length).toBe(31);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('describeCycle', () => {
  it('names each task with its id, in running order', () => {
    const names = new Map([
      ['1', 'refresh'],
      ['3', 'report'],
    ]);
    expect(describeCycle(['1', '3', '1'], names)).toBe('#1 "refresh" → #3 "report" → #1 "refresh"');
  });
});
