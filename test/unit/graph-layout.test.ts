// The web app's dependency-graph layout (src/web/graph-layout.ts): pure, so checked here.
import { describe, expect, it } from 'vitest';
import { assignLayers, countCrossings, edgePath, type LayoutOptions, layout } from '../../src/web/graph-layout.ts';

const OPTS: LayoutOptions = { direction: 'lr', nodeWidth: 200, nodeHeight: 60, layerGap: 50, nodeGap: 20 };
const nodes = (...ids: string[]) => ids.map((id) => ({ id }));
const edge = (from: string, to: string) => ({ from, to });

describe('assignLayers', () => {
  it('puts each task one layer after the latest task it runs after', () => {
    // a → b → d, a → c → d, a → d: d is after the longest path, not the shortest.
    const layers = assignLayers(['a', 'b', 'c', 'd'], [edge('a', 'b'), edge('a', 'c'), edge('b', 'd'), edge('c', 'd'), edge('a', 'd')]);
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: 1, c: 1, d: 2 });
  });

  it('ignores edges to unknown nodes and breaks a cycle instead of looping', () => {
    expect(Object.fromEntries(assignLayers(['x', 'y'], [edge('x', 'nope')]))).toEqual({ x: 0, y: 0 });
    const cyclic = assignLayers(['a', 'b', 'c'], [edge('a', 'b'), edge('b', 'c'), edge('c', 'a')]);
    expect(cyclic.size).toBe(3);
  });
});

describe('layout', () => {
  it('draws left to right: a task that runs first is left of the tasks after it, arrows join their borders', () => {
    const l = layout(nodes('1', '2'), [edge('1', '2')], OPTS);
    const [a, b] = l.nodes;
    expect(a).toMatchObject({ id: '1', layer: 0, x: 0, y: 0 });
    expect(b).toMatchObject({ id: '2', layer: 1, x: 250, y: 0 });
    expect(l.edges[0]?.points).toEqual([
      { x: 200, y: 30 },
      { x: 250, y: 30 },
    ]);
    expect([l.width, l.height]).toEqual([450, 60]);
  });

  it('draws top to bottom when asked (narrow screens)', () => {
    const l = layout(nodes('1', '2'), [edge('1', '2')], { ...OPTS, direction: 'tb' });
    expect(l.nodes[1]).toMatchObject({ x: 0, y: 110 });
    expect(l.edges[0]?.points).toEqual([
      { x: 100, y: 60 },
      { x: 100, y: 110 },
    ]);
    expect([l.width, l.height]).toEqual([200, 170]);
  });

  it('routes an edge that skips a layer through a lane in that layer, not through a box', () => {
    const l = layout(nodes('a', 'b', 'c'), [edge('a', 'b'), edge('b', 'c'), edge('a', 'c')], OPTS);
    const long = l.edges.find((e) => e.from === 'a' && e.to === 'c');
    expect(long?.points).toHaveLength(4);
    const b = l.nodes.find((n) => n.id === 'b');
    const lane = long?.points[1];
    // The lane is in b's layer, beside b's box.
    expect(lane?.x).toBe(b?.x);
    expect((lane?.y ?? 0) < (b?.y ?? 0) || (lane?.y ?? 0) > (b?.y ?? 0) + OPTS.nodeHeight).toBe(true);
  });

  it('orders layers to avoid crossings', () => {
    // Input order would cross: a1 → b2, a2 → b1.
    const l = layout(nodes('a1', 'a2', 'b1', 'b2'), [edge('a1', 'b2'), edge('a2', 'b1')], OPTS);
    const y = Object.fromEntries(l.nodes.map((n) => [n.id, n.y]));
    expect(Math.sign((y.a1 ?? 0) - (y.a2 ?? 0))).toBe(Math.sign((y.b2 ?? 0) - (y.b1 ?? 0)));
  });

  it('lays out a wide graph with no overlapping boxes', () => {
    const ids = Array.from({ length: 12 }, (_, i) => String(i));
    const edges = ids.slice(1).map((id, i) => edge(String(Math.floor(i / 3)), id));
    const l = layout(nodes(...ids), edges, OPTS);
    for (const a of l.nodes) {
      for (const b of l.nodes) {
        if (a === b) continue;
        const apart = a.x + OPTS.nodeWidth <= b.x || b.x + OPTS.nodeWidth <= a.x || a.y + OPTS.nodeHeight <= b.y || b.y + OPTS.nodeHeight <= a.y;
        expect(apart, `${a.id} and ${b.id} overlap`).toBe(true);
      }
    }
    for (const n of l.nodes) {
      expect(n.x + OPTS.nodeWidth).toBeLessThanOrEqual(l.width);
      expect(n.y + OPTS.nodeHeight).toBeLessThanOrEqual(l.height);
    }
  });
});

describe('countCrossings and edgePath', () => {
  it('counts crossing segments between adjacent layers', () => {
    expect(countCrossings([['a', 'b'], ['c', 'd']], [[['a', 'd'], ['b', 'c']]])).toBe(1);
    expect(countCrossings([['a', 'b'], ['c', 'd']], [[['a', 'c'], ['b', 'd']]])).toBe(0);
  });

  it('bends between layers and runs straight along a lane', () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 20 }, { x: 30, y: 20 }], 'lr')).toBe('M0 0 C5 0 5 20 10 20 L30 20');
    expect(edgePath([{ x: 0, y: 0 }, { x: 20, y: 10 }], 'tb')).toBe('M0 0 C0 5 20 5 20 10');
  });
});
