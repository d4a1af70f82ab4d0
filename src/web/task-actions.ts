// What can be done to a task, from the list or from its page: run (or dry-run) now, pause or
// resume, edit, duplicate (task-duplicate.ts), delete (task-delete.ts). Each button names its task for screen readers (aria-describedby).
import { messageOf } from './api.ts';
import { h } from './dom.ts';
import { deleteTask } from './task-delete.ts';
import { duplicateBody } from './task-duplicate.ts';
import { editTask } from './task-edit.ts';
import type { Ctx, Execution, Task } from './types.ts';

const LABELS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  missed: 'Missed',
  skipped: 'Skipped',
  interrupted: 'Interrupted',
  cancelled: 'Cancelled',
  waiting: 'Waiting',
  paused: 'Paused',
  completed: 'Completed',
  new: 'Not run yet',
  active: 'Active',
  orphaned: 'Orphaned',
};

export const statusLabel = (status: string): string => LABELS[status] ?? status;

/** A status as text and colour (never colour alone). */
export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status status-${status}` }, statusLabel(status));
}

export interface TaskActionHooks {
  /** The task changed (paused, resumed, edited): redraw it. Live events will say so too. */
  changed(task: Task): void;
  deleted(): void;
  /** A run was queued (history shows it at once, before its event arrives). */
  queued?(execution: Execution): void;
}

export function taskActions(ctx: Ctx, task: Task, hooks: TaskActionHooks): HTMLElement {
  const named = `task-name-${task.id}`;
  // Busy buttons are marked, not disabled: disabling the focused button would drop the keyboard
  // user's focus to the page before the redrawn card could give it back.
  const act = async (button: HTMLButtonElement, work: () => Promise<void>) => {
    if (button.getAttribute('aria-busy') === 'true') return;
    button.setAttribute('aria-busy', 'true');
    try {
      await work();
    } catch (err) {
      ctx.toast(messageOf(err), 'error');
    } finally {
      button.removeAttribute('aria-busy');
    }
  };
  const button = (key: string, label: string, work: () => Promise<void>, cls = '') => {
    const b: HTMLButtonElement = h('button', { type: 'button', class: cls, 'data-focus-key': key, 'aria-describedby': named, onclick: () => void act(b, work) }, label);
    return b;
  };
  const run = (dryRun: boolean) => async () => {
    const x = await ctx.api.post<Execution>(`/api/tasks/${task.id}/run`, { dryRun });
    ctx.toast(dryRun ? `Dry run of “${task.name}” queued: tools only say what they would do` : `Run of “${task.name}” queued`);
    hooks.queued?.(x);
  };
  return h(
    'div',
    { class: 'actions task-actions' },
    button('run', task.state === 'completed' ? 'Run again' : 'Run now', run(false), 'primary'),
    button('dry-run', 'Dry run', run(true)),
    // A completed task has nothing to resume: it gets a new schedule instead.
    task.state === 'completed'
      ? button('toggle', 'Schedule again', async () => {
          const saved = await editTask(ctx, task);
          if (saved) {
            hooks.changed(saved);
            ctx.toast(`Scheduled “${saved.name}” again`);
          }
        })
      : task.enabled
      ? button('toggle', 'Pause', async () => {
          hooks.changed(await ctx.api.post<Task>(`/api/tasks/${task.id}/pause`));
          ctx.toast(`Paused “${task.name}”`);
        })
      : button('toggle', 'Resume', async () => {
          hooks.changed(await ctx.api.post<Task>(`/api/tasks/${task.id}/resume`));
          ctx.toast(`Resumed “${task.name}”`);
        }),
    button('edit', 'Edit', async () => {
      const saved = await editTask(ctx, task);
      if (saved) {
        hooks.changed(saved);
        ctx.toast(`Saved “${saved.name}”`);
      }
    }),
    button('duplicate', 'Duplicate', async () => {
      const copy = await ctx.api.post<Task>('/api/tasks', duplicateBody(task));
      ctx.toast(`Made “${copy.name}”`);
      ctx.navigate(`#/tasks?new=${copy.id}`);
    }),
    button(
      'delete',
      'Delete',
      async () => {
        if (!(await deleteTask(ctx, task))) return;
        ctx.toast(`Deleted “${task.name}”`);
        hooks.deleted();
      },
      'danger-quiet',
    ),
  );
}
