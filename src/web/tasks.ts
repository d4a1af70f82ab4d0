// The task list: what each task does, when it runs next, how it last went; kept live by events.
import { messageOf } from './api.ts';
import { fill, h, replaceKeepingFocus } from './dom.ts';
import { when } from './format.ts';
import { schedulerPanel } from './status.ts';
import { statusBadge, taskActions } from './task-actions.ts';
import type { Ctx, Page, Task, View } from './types.ts';

/** The badge for a task: running now, paused, or how its last run went. */
export function taskBadge(task: Task, running: boolean): HTMLElement {
  if (running) return statusBadge('running');
  if (!task.enabled) return statusBadge('paused');
  return statusBadge(task.lastStatus ?? 'new');
}

/** "Next run in 3 hours (Thu, Nov 26, 09:00)", or why there is none. */
export function nextRunLine(task: Task, zone: string): HTMLElement {
  if (!task.enabled) return h('p', { class: 'next muted' }, task.pausedReason ? `Paused: ${task.pausedReason}` : 'Paused: no runs until you resume it.');
  if (!task.nextRunAt) return h('p', { class: 'next muted' }, 'No more runs scheduled.');
  return h('p', { class: 'next' }, 'Next run ', when(task.nextRunAt, zone));
}

function taskCard(ctx: Ctx, task: Task, running: boolean, hooks: { changed(t: Task): void; deleted(id: string): void }): HTMLElement {
  return h(
    'li',
    { class: 'card task-card', 'data-task-id': task.id },
    h('div', { class: 'card-head' }, h('h2', { id: `task-name-${task.id}` }, h('a', { href: `#/tasks/${task.id}`, 'data-focus-key': 'open' }, task.name)), taskBadge(task, running)),
    h('p', { class: 'schedule' }, task.schedule.description, h('span', { class: 'muted' }, ` · ${task.timezone.replaceAll('_', ' ')}`)),
    nextRunLine(task, ctx.zone()),
    task.prompt && task.prompt !== task.name ? h('p', { class: 'prompt clamp' }, task.prompt) : null,
    taskActions(ctx, task, { changed: hooks.changed, deleted: () => hooks.deleted(task.id) }),
  );
}

export const tasksView: View = (ctx, main, [newId]) => {
  const list = h('ul', { class: 'task-list', 'aria-labelledby': 'view-title' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const cards = new Map<string, { el: HTMLElement; sig: string }>();
  const running = new Map<string, Set<string>>();
  let tasks: Task[] = [];
  let highlight = newId;
  let loading: Promise<void> | null = null;
  let reloadAgain = false;

  function draw(): void {
    const seen = new Set<string>();
    const hooks = {
      changed: (t: Task) => {
        tasks = tasks.map((x) => (x.id === t.id ? t : x));
        draw();
      },
      deleted: (id: string) => {
        tasks = tasks.filter((x) => x.id !== id);
        draw();
      },
    };
    tasks.forEach((task, i) => {
      seen.add(task.id);
      const isRunning = (running.get(task.id)?.size ?? 0) > 0;
      const sig = JSON.stringify(task) + isRunning + ctx.zone();
      const old = cards.get(task.id);
      let el = old?.el;
      if (!old || old.sig !== sig) {
        const fresh = taskCard(ctx, task, isRunning, hooks);
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
    summary.textContent = tasks.length === 0 ? '' : `${tasks.length} task${tasks.length === 1 ? '' : 's'}`;
    empty.hidden = tasks.length > 0;
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
          draw();
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
    const set = running.get(e.taskId) ?? new Set<string>();
    if (e.type === 'execution.started') set.add(e.executionId);
    else set.delete(e.executionId);
    running.set(e.taskId, set);
    draw();
  });
  const panel = ctx.session.user?.isAdmin ? schedulerPanel(ctx) : null;

  fill(
    main,
    h(
      'section',
      { class: 'view tasks' },
      h('div', { class: 'view-head' }, h('h1', { id: 'view-title', tabindex: -1 }, 'Tasks'), h('a', { href: '#/', class: 'button primary' }, 'New task')),
      summary,
      empty,
      list,
      panel?.el ?? null,
    ),
  );
  void load();
  return () => {
    off();
    panel?.stop();
  };
};
