// The dependency graph as SVG: a box per task (name, last status, next run) that is a link to the
// task (click or Enter), an arrow from each task to every task that runs after it, solid once it
// is satisfied. Laid out by graph-layout.ts: left to right, or top to bottom when that fits the
// width better (a phone); the SVG scales down to its container whatever it does.
import { svg } from './dom.ts';
import { absolute, relative } from './format.ts';
import { type Direction, edgePath, type Layout, layout } from './graph-layout.ts';
import { statusLabel } from './task-actions.ts';
import type { Graph, GraphNode } from './types.ts';

const BOX = { nodeWidth: 212, nodeHeight: 74, layerGap: 56, nodeGap: 18 };
const PAD = 6;
// Long names are cut (the full one is the box's tooltip and the link's name).
const MAX_NAME = 24;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1).trimEnd()}…` : s);

/** The status a box shows: paused wins, then how it last went. */
export const nodeStatus = (n: GraphNode) => (!n.enabled ? 'paused' : (n.lastStatus ?? 'new'));

/** "Next run in 3 hours", or why there is none. */
export function nextText(n: GraphNode, now = Date.now()): string {
  if (!n.enabled) return 'No runs until resumed';
  if (!n.scheduled) return 'Runs after its dependencies';
  return n.nextRunAt ? `Next run ${relative(new Date(n.nextRunAt), now)}` : 'No more runs scheduled';
}

/** "Succeeded 3 minutes ago", "Not run yet". */
export function lastText(n: GraphNode): string {
  const status = nodeStatus(n);
  if (status === 'paused' || !n.lastRunAt) return statusLabel(status);
  const ago = relative(new Date(n.lastRunAt));
  return `${statusLabel(status)} ${ago === 'now' ? 'just now' : ago}`;
}

/** Whichever direction needs less shrinking to fit `width`; left to right on a tie. */
function bestLayout(graph: Graph, width: number): { l: Layout; direction: Direction } {
  const lr = layout(graph.nodes, graph.edges, { ...BOX, direction: 'lr' });
  if (lr.width + 2 * PAD <= width) return { l: lr, direction: 'lr' };
  const tb = layout(graph.nodes, graph.edges, { ...BOX, direction: 'tb' });
  return tb.width < lr.width ? { l: tb, direction: 'tb' } : { l: lr, direction: 'lr' };
}

function arrowMarker(id: string, cls: string): SVGMarkerElement {
  return svg(
    'marker',
    { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
    svg('path', { d: 'M0 0 L10 5 L0 10 z', class: cls }),
  );
}

function nodeBox(n: GraphNode, x: number, y: number, zone: string): SVGAElement {
  const status = nodeStatus(n);
  const next = n.enabled && n.scheduled && n.nextRunAt ? ` (${absolute(new Date(n.nextRunAt), zone)})` : '';
  return svg(
    'a',
    { href: `#/tasks/${n.id}`, class: `node node-${status}`, 'data-node-id': n.id, 'aria-label': `${n.name}: ${lastText(n)}. ${nextText(n)}${next}.` },
    svg('title', null, n.name),
    svg('rect', { class: 'node-focus', x: x - 4, y: y - 4, width: BOX.nodeWidth + 8, height: BOX.nodeHeight + 8, rx: 13 }),
    svg('rect', { class: 'node-box', x, y, width: BOX.nodeWidth, height: BOX.nodeHeight, rx: 10 }),
    svg('text', { class: 'node-name', x: x + 12, y: y + 23 }, clip(n.name, MAX_NAME)),
    svg('circle', { class: 'node-dot', cx: x + 16, cy: y + 42, r: 4.5 }),
    svg('text', { class: 'node-status', x: x + 27, y: y + 46.5 }, lastText(n)),
    svg('text', { class: 'node-next', x: x + 12, y: y + 65 }, nextText(n)),
  );
}

/** The drawing for `width` pixels; ids are fixed, so one graph per page. */
export function graphSvg(graph: Graph, width: number, zone: string): SVGSVGElement {
  const { l, direction } = bestLayout(graph, width);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const name = (id: string) => byId.get(id)?.name ?? `task ${id}`;
  const done = new Set(graph.edges.filter((e) => e.satisfied).map((e) => `${e.from}>${e.to}`));
  const edges = l.edges.map((e) => {
    const satisfied = done.has(`${e.from}>${e.to}`);
    return svg(
      'path',
      { class: `edge ${satisfied ? 'edge-satisfied' : 'edge-pending'}`, d: edgePath(e.points, direction), 'marker-end': `url(#dep-arrow-${satisfied ? 'satisfied' : 'pending'})`, 'data-from': e.from, 'data-to': e.to },
      svg('title', null, `${name(e.from)} → ${name(e.to)}: ${satisfied ? `${name(e.from)} has succeeded since ${name(e.to)} last ran` : `waiting for ${name(e.from)} to succeed`}`),
    );
  });
  const w = l.width + 2 * PAD;
  const hgt = l.height + 2 * PAD;
  const tasks = graph.nodes.length;
  const arrows = graph.edges.length;
  const satisfied = graph.edges.filter((e) => e.satisfied).length;
  return svg(
    'svg',
    {
      class: `graph graph-${direction}`,
      role: 'group',
      'aria-labelledby': 'dep-graph-title',
      'aria-describedby': 'dep-graph-desc',
      viewBox: `${-PAD} ${-PAD} ${w} ${hgt}`,
      width: w,
      height: hgt,
      'data-direction': direction,
    },
    svg('title', { id: 'dep-graph-title' }, 'Dependency graph of your tasks'),
    svg(
      'desc',
      { id: 'dep-graph-desc' },
      `${tasks} tasks and ${arrows} dependencies, drawn ${direction === 'lr' ? 'left to right' : 'top to bottom'}: each arrow goes from a task to a task that runs after it. ` +
        `${satisfied} of the arrows are solid (that task succeeded since the next one last ran), the others dashed. Each task is a link to it; the list below says the same in words.`,
    ),
    svg('defs', null, arrowMarker('dep-arrow-satisfied', 'arrow-satisfied'), arrowMarker('dep-arrow-pending', 'arrow-pending')),
    svg('g', { class: 'edges' }, ...edges),
    svg('g', { class: 'nodes' }, ...l.nodes.map((p) => nodeBox(byId.get(p.id) as GraphNode, p.x, p.y, zone))),
  );
}
