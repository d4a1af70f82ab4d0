// A layered drawing of a DAG (Sugiyama-style, kept small): longest-path layers from the tasks
// that run first, dummy points where an edge skips layers (so it bends around the boxes instead
// of crossing them), a few barycenter sweeps to cut crossings (the best order seen is kept), then
// coordinates. Left to right, or top to bottom where the page is too narrow. Pure: no DOM, so it
// is unit-tested under Node (test/unit/graph-layout.test.ts).

export type Direction = 'lr' | 'tb';

export interface LayoutOptions {
  direction: Direction;
  nodeWidth: number;
  nodeHeight: number;
  /** Between layers, where the arrows run. */
  layerGap: number;
  /** Between boxes of one layer. */
  nodeGap: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  id: string;
  layer: number;
  /** Top-left corner of its box. */
  x: number;
  y: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** From the border of `from` to the border of `to`, through the layers it skips. */
  points: Point[];
}

export interface Layout {
  nodes: PlacedNode[];
  edges: RoutedEdge[];
  width: number;
  height: number;
}

interface Edge {
  from: string;
  to: string;
}

const SWEEPS = 8;
// A skipped layer costs a narrow lane, not a whole box.
const DUMMY_SIZE = 16;

/**
 * Longest-path layering: a task with nothing before it is in layer 0, any other one layer after
 * the latest task it runs after. A cycle (the server refuses them) is broken where it is met.
 */
export function assignLayers(ids: readonly string[], edges: readonly Edge[]): Map<string, number> {
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!preds.has(e.from) || !preds.has(e.to) || e.from === e.to) continue;
    preds.get(e.to)?.push(e.from);
    succs.get(e.from)?.push(e.to);
  }
  const remaining = new Map(ids.map((id) => [id, preds.get(id)?.length ?? 0]));
  const layer = new Map<string, number>();
  const ready = ids.filter((id) => remaining.get(id) === 0);
  while (layer.size < ids.length) {
    if (ready.length === 0) {
      // Only in a cycle: take the node least held back, in input order.
      const stuck = ids.filter((id) => !layer.has(id)).sort((a, b) => (remaining.get(a) ?? 0) - (remaining.get(b) ?? 0))[0] as string;
      ready.push(stuck);
      remaining.set(stuck, 0);
    }
    const id = ready.shift() as string;
    if (layer.has(id)) continue;
    layer.set(id, Math.max(0, ...(preds.get(id) ?? []).map((p) => (layer.get(p) ?? -1) + 1)));
    for (const s of succs.get(id) ?? []) {
      const left = (remaining.get(s) ?? 0) - 1;
      remaining.set(s, left);
      if (left === 0 && !layer.has(s)) ready.push(s);
    }
  }
  return layer;
}

/** Each id's index in its layer. */
function positions(layers: string[][]): Map<string, number> {
  const pos = new Map<string, number>();
  for (const l of layers) for (const [k, id] of l.entries()) pos.set(id, k);
  return pos;
}

/** Crossings between two adjacent layers, for the segments `pairs` (upper, lower). */
function crossingsBetween(pairs: Array<[string, string]>, pos: Map<string, number>): number {
  let n = 0;
  for (let i = 0; i < pairs.length; i++) {
    for (let j = i + 1; j < pairs.length; j++) {
      const [a1, b1] = pairs[i] as [string, string];
      const [a2, b2] = pairs[j] as [string, string];
      if (((pos.get(a1) ?? 0) - (pos.get(a2) ?? 0)) * ((pos.get(b1) ?? 0) - (pos.get(b2) ?? 0)) < 0) n++;
    }
  }
  return n;
}

/** Total crossings of an ordering; `segments[i]` joins layer i to layer i + 1. */
export function countCrossings(layers: string[][], segments: Array<Array<[string, string]>>): number {
  const pos = positions(layers);
  return segments.reduce((sum, pairs) => sum + crossingsBetween(pairs, pos), 0);
}

/** Reorders each layer by the mean position of its neighbours in the layer before (or after). */
function sweep(layers: string[][], neighbours: Map<string, string[]>, order: number[]): void {
  for (const i of order) {
    const pos = positions(layers);
    const layer = layers[i] as string[];
    const key = new Map(
      layer.map((id, k) => {
        const ns = (neighbours.get(id) ?? []).map((n) => pos.get(n) ?? 0);
        // No neighbour on that side: stay where it is.
        return [id, ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : k];
      }),
    );
    layer.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0));
  }
}

export function layout(nodes: ReadonlyArray<{ id: string }>, edges: readonly Edge[], opts: LayoutOptions): Layout {
  const ids = nodes.map((n) => n.id);
  const known = new Set(ids);
  const drawn = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  const layerOf = assignLayers(ids, drawn);
  const depth = Math.max(0, ...layerOf.values()) + 1;
  const layers: string[][] = Array.from({ length: depth }, () => []);
  for (const id of ids) layers[layerOf.get(id) ?? 0]?.push(id);

  // Each edge becomes a chain through one dummy per skipped layer.
  const chains = drawn.map((e, k) => {
    const chain = [e.from];
    for (let l = (layerOf.get(e.from) ?? 0) + 1; l < (layerOf.get(e.to) ?? 0); l++) {
      const dummy = `\u0000${k}:${l}`;
      layers[l]?.push(dummy);
      layerOf.set(dummy, l);
      chain.push(dummy);
    }
    chain.push(e.to);
    return { edge: e, chain };
  });
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const segments: Array<Array<[string, string]>> = Array.from({ length: depth }, () => []);
  for (const { chain } of chains) {
    for (let i = 0; i + 1 < chain.length; i++) {
      const [a, b] = [chain[i] as string, chain[i + 1] as string];
      down.set(a, [...(down.get(a) ?? []), b]);
      up.set(b, [...(up.get(b) ?? []), a]);
      // Only edges between adjacent layers are counted (a backward one, in a broken cycle, is not).
      if ((layerOf.get(b) ?? 0) === (layerOf.get(a) ?? 0) + 1) segments[layerOf.get(a) ?? 0]?.push([a, b]);
    }
  }

  let best = layers.map((l) => [...l]);
  let fewest = countCrossings(best, segments);
  const forward = Array.from({ length: depth - 1 }, (_, i) => i + 1);
  const backward = Array.from({ length: depth - 1 }, (_, i) => depth - 2 - i);
  for (let s = 0; s < SWEEPS && fewest > 0; s++) {
    if (s % 2 === 0) sweep(layers, up, forward);
    else sweep(layers, down, backward);
    const c = countCrossings(layers, segments);
    if (c < fewest) {
      fewest = c;
      best = layers.map((l) => [...l]);
    }
  }

  // Along the layers (u) and across them (v); mapped to x/y by direction at the end.
  const lr = opts.direction === 'lr';
  const along = lr ? opts.nodeWidth : opts.nodeHeight;
  const across = lr ? opts.nodeHeight : opts.nodeWidth;
  const sizeOf = (id: string) => (id.startsWith('\u0000') ? DUMMY_SIZE : across);
  const extent = (l: string[]) => l.reduce((sum, id) => sum + sizeOf(id), 0) + Math.max(0, l.length - 1) * opts.nodeGap;
  const widest = Math.max(0, ...best.map(extent));
  const u = new Map<string, number>();
  const v = new Map<string, number>();
  best.forEach((l, i) => {
    let at = (widest - extent(l)) / 2;
    for (const id of l) {
      u.set(id, i * (along + opts.layerGap));
      v.set(id, at);
      at += sizeOf(id) + opts.nodeGap;
    }
  });
  const point = (pu: number, pv: number): Point => (lr ? { x: pu, y: pv } : { x: pv, y: pu });
  const mid = (id: string) => (v.get(id) ?? 0) + sizeOf(id) / 2;

  return {
    nodes: ids.map((id) => {
      const p = point(u.get(id) ?? 0, v.get(id) ?? 0);
      return { id, layer: layerOf.get(id) ?? 0, x: p.x, y: p.y };
    }),
    edges: chains.map(({ edge, chain }) => {
      const first = chain[0] as string;
      const last = chain[chain.length - 1] as string;
      const points = [point((u.get(first) ?? 0) + along, mid(first))];
      // Straight through each skipped layer's lane.
      for (const d of chain.slice(1, -1)) points.push(point(u.get(d) ?? 0, mid(d)), point((u.get(d) ?? 0) + along, mid(d)));
      points.push(point(u.get(last) ?? 0, mid(last)));
      return { from: edge.from, to: edge.to, points };
    }),
    width: lr ? depth * along + (depth - 1) * opts.layerGap : widest,
    height: lr ? widest : depth * along + (depth - 1) * opts.layerGap,
  };
}

/** An SVG path through `points`: S-curves between layers, straight lines along a lane. */
export function edgePath(points: readonly Point[], direction: Direction): string {
  const r = (n: number) => Math.round(n * 10) / 10;
  const [start, ...rest] = points;
  if (!start) return '';
  let d = `M${r(start.x)} ${r(start.y)}`;
  let p = start;
  for (const q of rest) {
    const straight = direction === 'lr' ? p.y === q.y : p.x === q.x;
    if (straight) d += ` L${r(q.x)} ${r(q.y)}`;
    else if (direction === 'lr') d += ` C${r((p.x + q.x) / 2)} ${r(p.y)} ${r((p.x + q.x) / 2)} ${r(q.y)} ${r(q.x)} ${r(q.y)}`;
    else d += ` C${r(p.x)} ${r((p.y + q.y) / 2)} ${r(q.x)} ${r((p.y + q.y) / 2)} ${r(q.x)} ${r(q.y)}`;
    p = q;
  }
  return d;
}
