import { describe, expect, it } from 'vitest';
import { type DependencyMap, describeCycle, findCycle, unpackEdges } from '../../src/scheduler/graph.ts';

// Edges as "task runs after dependsOn".
const graph = (edges: Array<[string, string]>): DependencyMap => unpackEdges(edges.map(([a, b]) => `${a},${b}`).join(';'));

describe('unpackEdges', () => {
  it('reads packed edges into task → dependencies', () => {
    expect([...unpackEdges('2,1;3,1;3,2').entries()]).toEqual([
      ['2', ['1']],
      ['3', ['1', '2']],
    ]);
    expect(unpackEdges(null).size).toBe(0);
    expect(unpackEdges('').size).toBe(0);
  });
});

describe('findCycle', () => {
  it('finds none when the new dependencies do not lead back to the task', () => {
    // 3 after 2 after 1; 4 after 3: making 1 run after 4's sibling 5 is fine
    const deps = graph([
      ['2', '1'],
      ['3', '2'],
      ['4', '3'],
    ]);
    expect(findCycle(deps, '5', ['4', '1'])).toBeNull();
    expect(findCycle(deps, '4', ['1', '2'])).toBeNull();
  });

  it('refuses a self-edge', () => {
    expect(findCycle(new Map(), '7', ['7'])).toEqual(['7', '7']);
  });

  it('finds a two-task cycle, in running order', () => {
    // 2 runs after 1; now 1 after 2: 1 → 2 → 1
    expect(findCycle(graph([['2', '1']]), '1', ['2'])).toEqual(['1', '2', '1']);
  });

  it('finds a three-task cycle: A → B → C → A', () => {
    const deps = graph([
      ['B', 'A'],
      ['C', 'B'],
    ]);
    expect(findCycle(deps, 'A', ['C'])).toEqual(['A', 'B', 'C', 'A']);
  });

  it('finds a long cycle without recursion (100,000 tasks in a chain)', () => {
    const n = 100_000;
    const edges: Array<[string, string]> = [];
    for (let i = 2; i <= n; i++) edges.push([String(i), String(i - 1)]);
    const cycle = findCycle(graph(edges), '1', [String(n)]);
    expect(cycle).toHaveLength(n + 1);
    expect(cycle?.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(cycle?.at(-2)).toBe(String(n));
    expect(cycle?.at(-1)).toBe('1');
  });

  it('ignores the task\'s own current edges (they are being replaced)', () => {
    // 1 currently runs after 2; replacing that with [3] closes nothing
    expect(findCycle(graph([['1', '2'], ['3', '4']]), '1', ['3'])).toBeNull();
  });

  it('visits shared ancestors once (a diamond-rich DAG stays linear)', () => {
    // 30 layers of 30 tasks, each task after every task of the layer below: 27,000 edges,
    // astronomically many paths; the search must still be instant.
    const edges: Array<[string, string]> = [];
    for (let layer = 1; layer < 30; layer++) {
      for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) edges.push([`${layer}.${i}`, `${layer - 1}.${j}`]);
    }
    const t0 = performance.now();
    expect(findCycle(graph(edges), 'x', ['29.0'])).toBeNull();
    expect(findCycle(graph(edges), '0.5', ['29.3'])?.length).toBe(31);
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
