// The Dependencies section of the Tasks view: GET /api/tasks/graph drawn (graph-svg.ts) with a
// legend, and the same in words ("A → B"), which is what screen readers and keyboards get first
// class. Hidden while no task runs after another. Redrawn when the width changes, since the
// drawing picks its direction from it.
import { messageOf } from './api.ts';
import { fill, h } from './dom.ts';
import { graphSvg } from './graph-svg.ts';
import type { Ctx, Graph, GraphEdge } from './types.ts';

// Beyond this a drawing is a hairball; the list still says everything.
const MAX_DRAWN = 80;

function legend(): HTMLElement {
  const sample = (cls: string) =>
    h('span', { class: `legend-line ${cls}`, 'aria-hidden': 'true' });
  return h(
    'ul',
    { class: 'legend' },
    h('li', null, sample('legend-satisfied'), 'Succeeded since the next task last ran on it'),
    h('li', null, sample('legend-pending'), 'Not yet: the next task waits for it'),
  );
}

function edgeList(graph: Graph): HTMLElement {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const name = (id: string) => byId.get(id)?.name ?? `task ${id}`;
  // A task may be in several lines: the key names the line and the end.
  const link = (e: GraphEdge, end: 'from' | 'to') => h('a', { href: `#/tasks/${e[end]}`, 'data-focus-key': `${e.from}>${e.to}:${end}` }, name(e[end]));
  return h(
    'ul',
    { class: 'dep-list', 'aria-labelledby': 'dep-list-title' },
    ...graph.edges.map((e) =>
      h(
        'li',
        { 'data-from': e.from, 'data-to': e.to },
        link(e, 'from'),
        // Seen as an arrow, heard as words.
        h('span', { 'aria-hidden': 'true' }, ' → '),
        h('span', { class: 'visually-hidden' }, 'runs before '),
        link(e, 'to'),
        h(
          'span',
          { class: e.satisfied ? 'dep-state ok' : 'dep-state muted' },
          e.satisfied ? ` · satisfied: ${name(e.from)} has succeeded since ${name(e.to)} last ran` : ` · waiting for ${name(e.from)} to succeed`,
        ),
      ),
    ),
  );
}

export function dependencySection(ctx: Ctx): { el: HTMLElement; load(): Promise<void>; stop(): void } {
  const canvas = h('div', { class: 'graph-canvas' });
  const list = h('div', null);
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const el = h(
    'section',
    { class: 'deps card', 'aria-labelledby': 'deps-title', hidden: true },
    h('h2', { id: 'deps-title' }, 'Dependencies'),
    h('p', { class: 'hint' }, 'Arrows go from a task to the tasks that run after it. Select a task to open it.'),
    status,
    h('figure', { class: 'dep-graph' }, canvas, h('figcaption', null, legend())),
    h('h3', { id: 'dep-list-title' }, 'In words'),
    list,
  );
  let graph: Graph | null = null;
  let drawnWidth = 0;

  function draw(): void {
    if (!graph) return;
    const width = canvas.clientWidth;
    if (width === 0) return;
    drawnWidth = width;
    // Keep the reader's place: the same box has the focus after a redraw.
    const active = document.activeElement;
    const focused = active instanceof SVGElement && canvas.contains(active) ? active.getAttribute('data-node-id') : null;
    if (graph.nodes.length > MAX_DRAWN) {
      fill(canvas, h('p', { class: 'muted' }, `${graph.nodes.length} tasks are too many to draw; they are listed below.`));
    } else {
      fill(canvas, graphSvg(graph, width, ctx.zone()));
    }
    if (focused) canvas.querySelector<SVGAElement>(`[data-node-id="${CSS.escape(focused)}"]`)?.focus();
  }

  const resize = new ResizeObserver(() => {
    if (canvas.clientWidth !== drawnWidth) draw();
  });
  resize.observe(canvas);

  let loading: Promise<void> | null = null;
  let again = false;
  async function load(): Promise<void> {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        try {
          graph = await ctx.api.get<Graph>('/api/tasks/graph');
          el.hidden = graph.edges.length === 0;
          status.textContent = '';
          if (el.hidden) continue;
          draw();
          const active = document.activeElement instanceof HTMLElement && list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
          fill(list, edgeList(graph));
          if (active) list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(active)}"]`)?.focus();
        } catch (err) {
          status.textContent = messageOf(err);
        }
      } while (again);
    })().finally(() => {
      loading = null;
    });
    return loading;
  }

  return { el, load, stop: () => resize.disconnect() };
}
