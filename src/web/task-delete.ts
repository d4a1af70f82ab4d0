// Deleting a task: confirmed first; when other tasks run after it, the server refuses (409) and
// names them, and the user may delete it anyway, detaching them (?detach=true): they lose this
// dependency and keep the others.
import { ApiError } from './api.ts';
import { confirmDialog } from './dialog.ts';
import { h } from './dom.ts';
import type { Ctx, Task, TaskRef } from './types.ts';

function detachBody(task: Task, dependents: TaskRef[]): HTMLElement {
  const one = dependents.length === 1;
  return h(
    'div',
    null,
    h('p', null, one ? 'This task runs after it:' : `These ${dependents.length} tasks run after it:`),
    h('ul', { class: 'dependents' }, ...dependents.map((d) => h('li', null, h('strong', null, d.name), h('span', { class: 'muted' }, ` (task ${d.id})`)))),
    h(
      'p',
      null,
      `Delete and detach removes “${task.name}” and its history, and takes it off ${one ? 'that task’s' : 'those tasks’'} “Runs after”. `,
      one ? 'It keeps its other dependencies; if this was its only one and it has no schedule, it will not run again until you give it one.' : 'They keep their other dependencies; one left with none and no schedule will not run again until you give it one.',
    ),
  );
}

/** Resolves true once the task is deleted, false when the user kept it. */
export async function deleteTask(ctx: Ctx, task: Task): Promise<boolean> {
  const sure = await confirmDialog({
    title: `Delete “${task.name}”?`,
    body: h('p', null, 'Its schedule and its whole history go with it. This cannot be undone.'),
    confirm: 'Delete task',
    danger: true,
  });
  if (!sure) return false;
  try {
    await ctx.api.del(`/api/tasks/${task.id}`);
    return true;
  } catch (err) {
    const dependents = err instanceof ApiError && err.status === 409 ? err.problem.dependents : undefined;
    if (!dependents?.length) throw err;
    const detach = await confirmDialog({
      title: `Other tasks run after “${task.name}”`,
      body: detachBody(task, dependents),
      confirm: 'Delete and detach',
      danger: true,
    });
    if (!detach) return false;
    await ctx.api.del(`/api/tasks/${task.id}?detach=true`);
    return true;
  }
}
