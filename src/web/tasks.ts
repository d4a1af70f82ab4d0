// The task list: what each task does, when it runs next (or what it waits for), how it last
// went, which tasks it runs after; kept live by events. The Dependencies section below draws how
// the tasks depend on each other.
import { messageOf } from './api.ts';
import { fill, h, replaceKeepingFocus } from './dom.ts';
import { dependencySection } from './graph.ts';
import { schedulerPanel } from './status.ts';
import { taskActions } from './task-actions.ts';
import { actionLine } from './task-action.ts';
import { lastRunDetail, lastRunLine, nextRunLine, runsAfterLine, scheduleLine, type TaskState, taskBadge } from './task-summary.ts';
import type { RunLike } from './run-outcome.ts';
import type { Ctx, Execution, Page, Run, Task, View } from './types.ts';

interface CardHooks {
  changed(t: Task): void;
  deleted(id: string): void;
  nameOf(id: string): string | undefined;
  lastRun(id: string): RunLike | null;
}

function taskCard(ctx: Ctx, task: Task, state: TaskState, hooks: CardHooks): HTMLElement {
  return h(
    'li',
    { class: 'card task-card', 'data-task-id': task.id },
    h('div', { class: 'card-head' }, h('h2', { id: `task-name-${task.id}` }, h('a', { href: `#/tasks/${task.id}`, 'data-focus-key': 'open' }, task.name)), taskBadge(task, state)),
    scheduleLine(task),
    actionLine(task),
    runsAfterLine(task, hooks.nameOf),
    nextRunLine(task, ctx.zone(), state),
    lastRunLine(task, ctx.zone(), hooks.lastRun(task.id)),
    lastRunDetail(hooks.lastRun(task.id)),
    task.prompt && task.prompt !== task.name ? h('p', { class: 'prompt clamp' }, task.prompt) : null,
    taskActions(ctx, task, { changed: hooks.changed, deleted: () => hooks.deleted(task.id) }),
  );
}

export type StatusFilter = 'all' | 'active' | 'paused' | 'completed' | 'failing';

/** Failing: its last run failed, or failures are counting towards pausing it. */
export function matchesStatus(t: Task, status: StatusFilter): boolean {
  switch (status) {
    case 'all':
      return true;
    case 'active':
      return t.state === 'active' && t.enabled;
    case 'paused':
      return t.state !== 'completed' && !t.enabled;
    case 'completed':
      return t.state === 'completed';
    case 'failing':
      return t.lastStatus === 'failed' || t.consecutiveFailures > 0;
  }
}

/** Only a scheduled task that runs after others can have a fire waiting for them. */
const canWait = (t: Task) => t.schedule !== null && t.after.length > 0;

export const tasksView: View = (ctx, main, [newId]) => {
  const list = h('ul', { class: 'task-list', 'aria-labelledby': 'view-title' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const cards = new Map<string, { el: HTMLElement; sig: string }>();
  const running = new Map<string, Set<string>>();
  const waiting = new Map<string, Execution>();
  const lastRuns = new Map<string, Run>();
  const deps = dependencySection(ctx);
  let tasks: Task[] = [];
  let highlight = newId;
  let loading: Promise<void> | null = null;
  let reloadAgain = false;

  const search = h('input', { id: 'task-search', type: 'search', placeholder: 'Search by name or instruction', autocomplete: 'off', oninput: () => draw() });
  const statusSelect = h(
    'select',
    { id: 'task-status-filter', onchange: () => draw() },
    ...(['all', 'active', 'paused', 'completed', 'failing'] as const).map((v) => h('option', { value: v }, v === 'all' ? 'Any status' : v[0]?.toUpperCase() + v.slice(1))),
  );
  const filters = h(
    'div',
    { class: 'list-filters', role: 'search' },
    h('label', { for: 'task-search', class: 'visually-hidden' }, 'Search tasks'),
    search,
    h('label', { for: 'task-status-filter', class: 'visually-hidden' }, 'Status'),
    statusSelect,
  );

  function shown(): Task[] {
    const q = search.value.trim().toLowerCase();
    const status = statusSelect.value as StatusFilter;
    return tasks.filter((t) => matchesStatus(t, status) && (!q || t.name.toLowerCase().includes(q) || t.prompt.toLowerCase().includes(q)));
  }

  function draw(): void {
    const seen = new Set<string>();
    const visible = shown();
    const names = new Map(tasks.map((t) => [t.id, t.name]));
    const hooks: CardHooks = {
      nameOf: (id) => names.get(id),
      lastRun: (id) => lastRuns.get(id) ?? null,
      changed: (t: Task) => {
        tasks = tasks.map((x) => (x.id === t.id ? t : x));
        draw();
      },
      deleted: (id: string) => {
        tasks = tasks.filter((x) => x.id !== id);
        draw();
      },
    };
    visible.forEach((task, i) => {
      seen.add(task.id);
      const state: TaskState = { running: (running.get(task.id)?.size ?? 0) > 0, waiting: waiting.get(task.id) ?? null };
      // The names of the tasks it runs after are part of what the card shows.
      const sig = JSON.stringify([task, state, ctx.zone(), task.after.map((id) => names.get(id)), lastRuns.get(task.id) ?? null]);
      const old = cards.get(task.id);
      let el = old?.el;
      if (!old || old.sig !== sig) {
        const fresh = taskCard(ctx, task, state, hooks);
        if (old) replaceKeepingFocus(old.el, fresh);
        el = fresh;
        cards.set(task.id, { el, sig });
      }
      if (list.children[i] !== el) list.insertBefore(el as HTMLElement, list.children[i] ?? null);
    });
    for (const [id, c] of cards) {
      if (seen.has(id)) continue;
      // Keep the keyboard user somewhere sensible when the card they were on goes away.
      if (c.el.contains(document.activeElement)) document.getElementById('view-title')?.focus();
      c.el.remove();
      cards.delete(id);
    }
    const n = (k: number) => `${k} task${k === 1 ? '' : 's'}`;
    summary.textContent = tasks.length === 0 ? '' : visible.length === tasks.length ? n(tasks.length) : `${visible.length} of ${n(tasks.length)} match`;
    empty.hidden = tasks.length > 0;
    filters.hidden = tasks.length === 0;
    if (highlight) {
      const card = cards.get(highlight)?.el;
      if (card) {
        card.classList.add('just-created');
        card.querySelector<HTMLElement>('[data-focus-key="open"]')?.focus();
        card.scrollIntoView({ block: 'nearest' });
        highlight = undefined;
      }
    }
  }

  /** Reads the last finished run of every task (one request): its output, its failure, its tool errors. */
  async function loadLastRuns(): Promise<void> {
    try {
      const page = await ctx.api.get<Page<Run>>('/api/executions?latest=true&limit=200');
      lastRuns.clear();
      for (const x of page.items) lastRuns.set(x.taskId, x);
    } catch {
      // the cards show the task's own last status
    }
  }

  /** Reads whether each task that can wait has a fire waiting (not in the task itself). */
  async function loadWaiting(ids: string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        try {
          const page = await ctx.api.get<Page<Execution>>(`/api/tasks/${id}/executions?status=waiting&limit=1`);
          const x = page.items[0];
          if (x) waiting.set(id, x);
          else waiting.delete(id);
        } catch {
          waiting.delete(id);
        }
      }),
    );
  }

  async function load(): Promise<void> {
    if (loading) {
      reloadAgain = true;
      return loading;
    }
    loading = (async () => {
      do {
        reloadAgain = false;
        try {
          const page = await ctx.api.get<Page<Task>>('/api/tasks?limit=200');
          tasks = page.items;
          await Promise.all([loadWaiting(tasks.filter(canWait).map((t) => t.id)), loadLastRuns()]);
          draw();
          if (tasks.some((t) => t.after.length > 0)) void deps.load();
          else deps.el.hidden = true;
        } catch (err) {
          summary.textContent = messageOf(err);
        }
      } while (reloadAgain);
    })().finally(() => {
      loading = null;
    });
    return loading;
  }

  const empty = h('div', { class: 'empty card', hidden: true }, h('p', null, 'No tasks yet.'), h('a', { href: '#/', class: 'button primary' }, 'Describe your first task'));
  const off = ctx.onEvent((e) => {
    if (e.type === 'reset' || e.type.startsWith('task.')) return void load();
    if (!e.type.startsWith('execution.') || !e.taskId || !e.executionId) return;
    const taskId = e.taskId;
    const set = running.get(taskId) ?? new Set<string>();
    if (e.type === 'execution.started') set.add(e.executionId);
    else set.delete(e.executionId);
    running.set(taskId, set);
    draw();
    const task = tasks.find((t) => t.id === taskId);
    if (task && canWait(task)) void loadWaiting([taskId]).then(draw);
    if (e.type !== 'execution.started') void loadLastRuns().then(draw);
    // A finished run moves the graph: its box's last status, the arrows it satisfies.
    if (!deps.el.hidden && e.type !== 'execution.started') void deps.load();
  });
  const panel = ctx.session.user?.isAdmin ? schedulerPanel(ctx) : null;

  fill(
    main,
    h(
      'section',
      { class: 'view tasks' },
      h('div', { class: 'view-head' }, h('h1', { id: 'view-title', tabindex: -1 }, 'Tasks'), h('a', { href: '#/', class: 'button primary' }, 'New task')),
      filters,
      summary,
      empty,
      list,
      deps.el,
      panel?.el ?? null,
    ),
  );
  void load();
  return () => {
    off();
    deps.stop();
    panel?.stop();
  };
};
