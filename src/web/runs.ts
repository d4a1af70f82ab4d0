// "All runs": every run of the user's tasks, newest first, each row naming its task and opening
// onto its steps; filtered by status, kept live by events like a task's history.
import { messageOf } from './api.ts';
import { fill, h } from './dom.ts';
import { type ExecutionDetail, executionBody, isOpen } from './execution.ts';
import { executionList } from './execution-list.ts';
import { statusLabel } from './task-actions.ts';
import type { Page, Run, View } from './types.ts';

const PAGE = 30;
const LIVE_POLL_MS = 1000;
const FILTERS = ['', 'succeeded', 'failed', 'running', 'queued', 'waiting', 'skipped', 'missed', 'interrupted', 'cancelled'] as const;

/** A labelled status <select> ("Any status" first); `changed` is called when the choice changes. */
export function runStatusFilter(id: string, changed: () => void): { el: HTMLElement; value(): string } {
  const select = h('select', { id, onchange: () => changed() }, ...FILTERS.map((v) => h('option', { value: v }, v ? statusLabel(v) : 'Any status')));
  const el = h('div', { class: 'list-filters run-filters' }, h('label', { for: id }, 'Show'), select);
  return { el, value: () => select.value };
}

export const runsView: View = (ctx, main) => {
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const more = h('button', { type: 'button', hidden: true, onclick: () => void loadOlder() }, 'Show older runs');
  let cursor: string | null = null;
  let loadedOnce = false;

  const list = executionList({
    labelledBy: 'runs-list-title',
    zone: () => ctx.zone(),
    showTask: true,
    async body(x) {
      try {
        const detail = await ctx.api.get<ExecutionDetail>(`/api/executions/${x.id}`);
        if (detail.status !== x.status) list.upsert([{ ...x, ...detail }], false);
        const body = executionBody(ctx, detail, (changed) => list.upsert([{ ...x, ...changed }], false));
        body.prepend(h('p', { class: 'x-open-task' }, h('a', { href: `#/tasks/${x.taskId}/runs/${x.id}` }, 'Open in its task’s history')));
        return body;
      } catch (err) {
        return h('div', { class: 'execution-body' }, h('p', { class: 'error' }, messageOf(err)));
      }
    },
    changed() {
      if (!loadedOnce) return;
      const n = list.rows().length;
      summary.textContent = n ? '' : filter.value() ? 'No runs with this status.' : 'No runs yet. Runs of your tasks appear here as they happen.';
    },
  });

  const filter = runStatusFilter('runs-status', () => {
    list.clear();
    cursor = null;
    loadedOnce = false;
    more.hidden = true;
    void loadNewest();
  });
  const query = () => `/api/executions?limit=${PAGE}${filter.value() ? `&status=${filter.value()}` : ''}`;

  async function loadNewest(): Promise<void> {
    try {
      const page = await ctx.api.get<Page<Run>>(query());
      if (cursor === null && list.rows().length === 0) cursor = page.nextCursor;
      loadedOnce = true;
      list.upsert(page.items, true);
      more.hidden = cursor === null;
    } catch (err) {
      summary.textContent = messageOf(err);
    }
  }

  async function loadOlder(): Promise<void> {
    if (!cursor) return;
    try {
      const page = await ctx.api.get<Page<Run>>(`${query()}&cursor=${cursor}`);
      cursor = page.nextCursor;
      list.upsert(page.items, false);
      more.hidden = cursor === null;
    } catch (err) {
      ctx.toast(messageOf(err), 'error');
    }
  }

  const off = ctx.onEvent((e) => {
    if (e.type === 'reset' || e.type.startsWith('execution.')) void loadNewest();
  });
  const poll = setInterval(() => {
    for (const row of list.rows()) if (row.details.open && isOpen(row.x)) list.reopen(row.x.id);
  }, LIVE_POLL_MS);

  fill(main, h('section', { class: 'view runs' }, h('h1', { id: 'view-title', tabindex: -1 }, 'All runs'), filter.el, summary, h('h2', { id: 'runs-list-title', class: 'visually-hidden' }, 'Runs, newest first'), list.el, more));
  void loadNewest();
  return () => {
    off();
    clearInterval(poll);
  };
};
