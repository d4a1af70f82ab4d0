// The lines that say how a task runs, on its card and on its page: its badge, its schedule (or
// that it has none and runs after other tasks), its next run, the tasks it runs after, and a
// scheduled fire waiting for them.
import { h } from './dom.ts';
import { absolute, localClock, relative, span, when } from './format.ts';
import { statusBadge } from './task-actions.ts';
import { firstLine, reasonLine, type RunLike, runBadge } from './run-outcome.ts';
import type { Execution, Task } from './types.ts';

/** What the page knows about a task beyond the task itself. */
export interface TaskState {
  running: boolean;
  /** Its scheduled fire waiting for its dependencies, if any. */
  waiting: Execution | null;
}

/** The badge for a task: running now, waiting, paused, or how its last run went. */
export function taskBadge(task: Task, state: TaskState): HTMLElement {
  if (state.running) return statusBadge('running');
  if (task.state === 'completed') return statusBadge('completed');
  if (!task.enabled) return statusBadge('paused');
  if (state.waiting) return statusBadge('waiting');
  return statusBadge(task.lastStatus ?? 'new');
}

/** "At 09:00, Monday through Friday · Europe/Paris", or that it only runs after other tasks. */
export function scheduleLine(task: Task): HTMLElement {
  if (!task.schedule) return h('p', { class: 'schedule' }, 'No schedule: runs after other tasks');
  return h('p', { class: 'schedule' }, localClock(task.schedule.description), h('span', { class: 'muted' }, ` · ${task.timezone.replaceAll('_', ' ')}`));
}

/** "Next run in 3 hours (Thu, Nov 26, 09:00)", what it is waiting for, or why there is none. */
export function nextRunLine(task: Task, zone: string, state: Pick<TaskState, 'waiting'> = { waiting: null }): HTMLElement {
  if (task.state === 'completed') {
    return task.lastRunAt ? h('p', { class: 'next muted' }, 'Completed: last ran ', when(task.lastRunAt, zone)) : h('p', { class: 'next muted' }, 'Completed: no runs left.');
  }
  if (!task.enabled) return h('p', { class: 'next muted' }, task.pausedReason ? `Paused: ${task.pausedReason}` : 'Paused: no runs until you resume it.');
  const w = state.waiting;
  if (w?.waitUntil) {
    const until = new Date(w.waitUntil);
    return h(
      'p',
      { class: 'next waiting' },
      'Waiting for its dependencies: the run due ',
      absolute(new Date(w.scheduledFor), zone),
      ' starts once they succeed, or is skipped ',
      h('time', { datetime: w.waitUntil, 'data-relative': '', title: absolute(until, zone) }, relative(until)),
      h('span', { class: 'muted' }, ` (${absolute(until, zone)})`),
      '.',
    );
  }
  if (!task.schedule) return h('p', { class: 'next' }, 'Runs each time all the tasks it runs after have succeeded.');
  if (!task.nextRunAt) return h('p', { class: 'next muted' }, 'No more runs scheduled.');
  return h('p', { class: 'next' }, 'Next run ', when(task.nextRunAt, zone));
}

/**
 * "Runs after: A, B" with links to them; for a scheduled task, how long its runs wait for them.
 * `nameOf` knows the user's tasks (an id stands in for one it does not know).
 */
export function runsAfterLine(task: Task, nameOf: (id: string) => string | undefined): HTMLElement | null {
  if (task.after.length === 0) return null;
  const links = task.after.flatMap((id, i) => [i ? ', ' : '', h('a', { href: `#/tasks/${id}` }, nameOf(id) ?? `task ${id}`)]);
  return h(
    'p',
    { class: 'runs-after' },
    h('span', { class: 'label' }, 'Runs after: '),
    ...links,
    task.schedule ? h('span', { class: 'muted' }, ` · each run waits up to ${span(task.waitSeconds)} for them`) : null,
  );
}

/**
 * "Last run 2 hours ago (…): Failed", so a card tells how it went without opening it; with the
 * last run itself (`last`), a failed tool call shows as a warning.
 */
export function lastRunLine(task: Task, zone: string, last: RunLike | null = null): HTMLElement | null {
  if (!task.lastRunAt) return null;
  const badge = last && last.status === task.lastStatus ? runBadge(last) : task.lastStatus ? statusBadge(task.lastStatus) : null;
  return h('p', { class: 'last-run' }, 'Last run ', when(task.lastRunAt, zone), badge ? [': ', badge] : null);
}

/** Under the last-run line: why it failed or warned, else the first line of what it said. */
export function lastRunDetail(last: RunLike | null): HTMLElement | null {
  if (!last) return null;
  const why = reasonLine(last, 'last-reason');
  if (why) return h('p', { class: 'last-run-detail' }, why);
  const said = firstLine(last.output);
  return said ? h('p', { class: 'last-run-detail last-output muted' }, h('span', { class: 'visually-hidden' }, 'Last output: '), `“${said}”`) : null;
}
