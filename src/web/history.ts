// A task's page: what it is, its actions, and its executions, newest first, each opening onto its
// steps. New runs and status changes arrive live; an opened running execution is re-read every
// second so its steps appear as the runner writes them.
import { ApiError, messageOf } from './api.ts';
import { fill, h, replaceKeepingFocus } from './dom.ts';
import { type ExecutionDetail, executionBody, executionSummary, isOpen } from './execution.ts';
import { taskActions } from './task-actions.ts';
import { nextRunLine, taskBadge } from './tasks.ts';
import type { Execution, Page, Task, View } from './types.ts';

const PAGE = 20;
const LIVE_POLL_MS = 1000;

interface Row {
  li: HTMLLIElement;
  details: HTMLDetailsElement;
  summary: HTMLElement;
  body: HTMLElement;
  x: Execution;
  sig: string;
}

export const historyView: View = (ctx, main, [taskId]) => {
  let head: HTMLElement = h('div', { class: 'task-head' });
  // Its id lets every action button name the task (aria-describedby), as on the list.
  const title = h('h1', { id: `task-name-${taskId}`, tabindex: -1 }, 'Task');
  const list = h('ol', { class: 'executions', 'aria-labelledby': 'history-title' });
  const more = h('button', { type: 'button', hidden: true, onclick: () => void loadOlder() }, 'Show older runs');
  const empty = h('p', { class: 'muted', hidden: true }, 'No runs yet. Press Run now to try it.');
  const rows = new Map<string, Row>();
  let task: Task | null = null;
  let cursor: string | null = null;

  function drawTask(): void {
    if (!task) return;
    const t = task;
    title.textContent = t.name;
    document.title = `${t.name} · tickler`;
    const fresh = h(
      'div',
      { class: 'task-head' },
      h('div', { class: 'card-head' }, h('p', { class: 'schedule' }, t.schedule.description, h('span', { class: 'muted' }, ` · ${t.timezone.replaceAll('_', ' ')}`)), taskBadge(t, [...rows.values()].some((r) => r.x.status === 'running'))),
      nextRunLine(t, ctx.zone()),
      t.prompt && t.prompt !== t.name ? h('p', { class: 'prompt' }, t.prompt) : null,
      t.tools.length ? h('p', { class: 'muted' }, 'Tools: ', ...t.tools.flatMap((name, i) => [i ? ', ' : '', h('code', null, name)])) : null,
      taskActions(ctx, t, {
        changed: (next) => {
          task = next;
          drawTask();
        },
        deleted: () => ctx.navigate('#/tasks'),
        queued: (x) => upsert([x], true),
      }),
    );
    replaceKeepingFocus(head, fresh);
    head = fresh;
  }

  async function openDetail(row: Row): Promise<void> {
    try {
      const detail = await ctx.api.get<ExecutionDetail>(`/api/executions/${row.x.id}`);
      const body = executionBody(ctx, detail, (x) => upsert([x], false));
      replaceKeepingFocus(row.body, body);
      row.body = body;
      if (detail.status !== row.x.status) upsert([detail], false);
    } catch (err) {
      fill(row.body, h('p', { class: 'error' }, messageOf(err)));
    }
  }

  function makeRow(x: Execution): Row {
    const summary = h('summary', { class: 'x-summary' });
    const body = h('div', { class: 'execution-body' }, h('p', { class: 'muted' }, 'Loading…'));
    const details = h('details', { 'data-execution-id': x.id }, summary, body);
    const row: Row = { li: h('li', null, details), details, summary, body, x, sig: '' };
    details.addEventListener('toggle', () => {
      if (details.open) void openDetail(row);
    });
    return row;
  }

  /** Adds or refreshes executions; new ones go on top (or at the end for older pages). */
  function upsert(items: Execution[], onTop: boolean): void {
    const zone = ctx.zone();
    const fresh: HTMLLIElement[] = [];
    for (const x of items) {
      let row = rows.get(x.id);
      if (!row) {
        row = makeRow(x);
        rows.set(x.id, row);
        fresh.push(row.li);
      }
      const sig = JSON.stringify(x) + zone;
      if (row.sig === sig) continue;
      row.x = x;
      row.sig = sig;
      fill(row.summary, ...executionSummary(x, zone));
      if (row.details.open) void openDetail(row);
    }
    if (onTop) list.prepend(...fresh.sort((a, b) => Number(b.querySelector('details')?.dataset.executionId) - Number(a.querySelector('details')?.dataset.executionId)));
    else list.append(...fresh);
    empty.hidden = rows.size > 0;
    drawTask();
  }

  async function loadTask(): Promise<void> {
    try {
      task = await ctx.api.get<Task>(`/api/tasks/${taskId}`);
      drawTask();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        title.textContent = 'Task not found';
        fill(head, h('p', null, 'It may have been deleted. '), h('a', { href: '#/tasks' }, 'Back to all tasks'));
        list.replaceChildren();
        rows.clear();
        return;
      }
      ctx.toast(messageOf(err), 'error');
    }
  }

  async function loadNewest(): Promise<void> {
    try {
      const page = await ctx.api.get<Page<Execution>>(`/api/tasks/${taskId}/executions?limit=${PAGE}`);
      if (cursor === null && rows.size === 0) cursor = page.nextCursor;
      upsert(page.items, true);
      more.hidden = cursor === null;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) ctx.toast(messageOf(err), 'error');
    }
  }

  async function loadOlder(): Promise<void> {
    if (!cursor) return;
    const page = await ctx.api.get<Page<Execution>>(`/api/tasks/${taskId}/executions?limit=${PAGE}&cursor=${cursor}`);
    cursor = page.nextCursor;
    upsert(page.items, false);
    more.hidden = cursor === null;
  }

  const off = ctx.onEvent((e) => {
    if (e.type === 'reset') {
      void loadTask();
      void loadNewest();
    } else if (e.taskId === taskId && e.type.startsWith('task.')) void loadTask();
    else if (e.taskId === taskId && e.type.startsWith('execution.')) void loadNewest();
  });
  // Steps are not events (a run writes many): re-read an opened run while it is still going.
  const poll = setInterval(() => {
    for (const row of rows.values()) if (row.details.open && isOpen(row.x)) void openDetail(row);
  }, LIVE_POLL_MS);

  fill(
    main,
    h(
      'section',
      { class: 'view history' },
      h('p', { class: 'back' }, h('a', { href: '#/tasks' }, h('span', { 'aria-hidden': 'true' }, '← '), 'All tasks')),
      title,
      head,
      h('h2', { id: 'history-title' }, 'History'),
      empty,
      list,
      more,
    ),
  );
  void loadTask().then(loadNewest);
  return () => {
    off();
    clearInterval(poll);
  };
};
