// A task's page: what it is, what it runs after, its actions, and its executions, newest first,
// each opening onto its steps. New runs and status changes arrive live; an opened running
// execution is re-read every second so its steps appear as the runner writes them. The route may
// name one run (#/tasks/7/runs/42, where another run's "Ran after" links): it is opened.
import { ApiError, messageOf } from './api.ts';
import { type Child, fill, h, replaceKeepingFocus } from './dom.ts';
import { editInWords } from './edit-words.ts';
import { type ExecutionDetail, executionBody, isOpen } from './execution.ts';
import { executionList } from './execution-list.ts';
import { taskActions } from './task-actions.ts';
import { toolWords } from './tool-words.ts';
import { nextRunLine, runsAfterLine, scheduleLine, taskBadge } from './task-summary.ts';
import { runStatusFilter } from './runs.ts';
import type { Graph, Page, Run, Task, View } from './types.ts';

const PAGE = 20;
const LIVE_POLL_MS = 1000;

export const historyView: View = (ctx, main, [taskId, runId]) => {
  let head: HTMLElement = h('div', { class: 'task-head' });
  // Its id lets every action button name the task (aria-describedby), as on the list.
  const title = h('h1', { id: `task-name-${taskId}`, tabindex: -1 }, 'Task');
  const more = h('button', { type: 'button', hidden: true, onclick: () => void loadOlder() }, 'Show older runs');
  const empty = h('p', { class: 'muted', hidden: true }, 'No runs yet. Press Run now to try it.');
  const names = new Map<string, string>();
  let task: Task | null = null;
  // Outside the head, which live updates redraw: what the user is typing survives them.
  const words = editInWords(ctx, taskId as string, (next) => {
    task = next;
    drawTask();
  });
  words.hidden = true;
  let cursor: string | null = null;
  let first = true;
  let missing = false;

  const list = executionList({
    labelledBy: 'history-title',
    zone: () => ctx.zone(),
    async body(x) {
      try {
        const detail = await ctx.api.get<ExecutionDetail>(`/api/executions/${x.id}`);
        // The row keeps what only the list reads (its failed tool calls).
        if (detail.status !== x.status) list.upsert([{ ...x, ...detail }], false);
        return executionBody(ctx, detail, (changed) => list.upsert([{ ...x, ...changed }], false));
      } catch (err) {
        return h('div', { class: 'execution-body' }, h('p', { class: 'error' }, messageOf(err)));
      }
    },
    changed() {
      empty.hidden = list.rows().length > 0;
      drawTask();
    },
  });

  function drawTask(): void {
    if (!task) return;
    const t = task;
    title.textContent = t.name;
    document.title = `${t.name} · tickler`;
    const runs = list.rows().map((r) => r.x);
    const waiting = runs.find((x) => x.status === 'waiting') ?? null;
    const fresh = h(
      'div',
      { class: 'task-head' },
      h('div', { class: 'card-head' }, scheduleLine(t), taskBadge(t, { running: runs.some((x) => x.status === 'running'), waiting })),
      runsAfterLine(t, (id) => names.get(id)),
      nextRunLine(t, ctx.zone(), { waiting }),
      t.prompt && t.prompt !== t.name ? h('p', { class: 'prompt' }, t.prompt) : null,
      t.tools.length ? h('p', { class: 'muted' }, 'Tools: ', ...t.tools.flatMap((name, i) => [i ? ', ' : '', h('code', { title: toolWords(name) }, name)])) : null,
      t.notifyResult ? h('p', { class: 'muted notify-result' }, 'Each run’s result goes to your Inbox.') : null,
      taskActions(ctx, t, {
        changed: (next) => {
          task = next;
          void loadNames().then(drawTask);
        },
        deleted: () => ctx.navigate('#/tasks'),
        queued: (x) => list.upsert([x], true),
      }),
    );
    replaceKeepingFocus(head, fresh);
    head = fresh;
  }

  /** The names of the tasks it runs after: all of them are in the dependency graph. */
  async function loadNames(): Promise<void> {
    if (!task?.after.some((id) => !names.has(id))) return;
    try {
      const graph = await ctx.api.get<Graph>('/api/tasks/graph');
      for (const n of graph.nodes) names.set(n.id, n.name);
    } catch {
      // ids stand in for names
    }
  }

  async function loadTask(): Promise<void> {
    try {
      task = await ctx.api.get<Task>(`/api/tasks/${taskId}`);
      await loadNames();
      drawTask();
      words.hidden = false;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        missing = true;
        filter.el.hidden = true;
        title.textContent = 'Task not found';
        fill(head, h('p', null, 'It may have been deleted. '), h('a', { href: '#/tasks' }, 'Back to all tasks'));
        list.clear();
        return;
      }
      ctx.toast(messageOf(err), 'error');
    }
  }

  const filter = runStatusFilter('history-status', () => {
    list.clear();
    cursor = null;
    more.hidden = true;
    void loadNewest();
  });
  const query = () => `/api/executions?taskId=${taskId}&limit=${PAGE}${filter.value() ? `&status=${filter.value()}` : ''}`;

  async function loadNewest(): Promise<void> {
    if (missing) return;
    try {
      const page = await ctx.api.get<Page<Run>>(query());
      if (cursor === null && list.rows().length === 0) cursor = page.nextCursor;
      list.upsert(page.items, true);
      more.hidden = cursor === null;
      empty.textContent = filter.value() ? 'No runs with this status.' : 'No runs yet. Press Run now to try it.';
      if (first && runId) list.reveal(runId);
      first = false;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) ctx.toast(messageOf(err), 'error');
    }
  }

  async function loadOlder(): Promise<void> {
    if (!cursor) return;
    const page = await ctx.api.get<Page<Run>>(`${query()}&cursor=${cursor}`);
    cursor = page.nextCursor;
    list.upsert(page.items, false);
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
    for (const row of list.rows()) if (row.details.open && isOpen(row.x)) list.reopen(row.x.id);
  }, LIVE_POLL_MS);

  fill(main, historySection({ href: '#/tasks', label: 'All tasks' }, title, [head, words], [filter.el, empty], list.el, more));
  void loadTask().then(loadNewest);
  return () => {
    off();
    clearInterval(poll);
  };
};

/** The frame of a history page (a task's or a system job's): the way back, its title and facts, then its runs. */
export function historySection(back: { href: string; label: string }, title: Child, head: Child, empty: Child, list: Child, more: Child): HTMLElement {
  return h(
    'section',
    { class: 'view history' },
    h('p', { class: 'back' }, h('a', { href: back.href }, h('span', { 'aria-hidden': 'true' }, '← '), back.label)),
    title,
    head,
    h('h2', { id: 'history-title' }, 'History'),
    empty,
    list,
    more,
  );
}
