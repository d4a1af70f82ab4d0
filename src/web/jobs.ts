// Jobs, for admins: the system jobs tickler declares in code (read-only here, but for Run now and
// their history), then every user's tasks with their owner (read-only). Their runs are announced
// on other users' event streams, never this one, so the view re-reads itself every 10 s while it
// is visible, and soon after a Run now.
import { messageOf } from './api.ts';
import { fill, h } from './dom.ts';
import { localClock, when } from './format.ts';
import { whileVisible } from './poll.ts';
import { statusBadge } from './task-actions.ts';
import type { Ctx, Execution, Job, Page, View } from './types.ts';

const REFRESH_MS = 10_000;
const TASKS_PAGE = 50;

/** A view for admins only; others get a sentence instead (the nav hides it from them anyway). */
export function adminOnly(ctx: Ctx, main: HTMLElement): boolean {
  if (ctx.session.user?.isAdmin) return true;
  fill(main, h('section', { class: 'view' }, h('h1', { id: 'view-title', tabindex: -1 }, 'Jobs'), h('p', null, 'Only admins can see jobs.')));
  return false;
}

/** "Next run in 3 hours (Thu, Nov 26, 03:17)", or why there is none. */
function nextRun(job: Job, zone: string): HTMLElement | string {
  if (job.status === 'orphaned') return 'Never: it is no longer declared in code';
  if (job.status === 'paused') return job.pausedReason ? `Paused: ${job.pausedReason}` : 'Paused';
  if (!job.schedule) return 'After the tasks it depends on';
  return job.nextRunAt ? when(job.nextRunAt, zone) : 'No more runs scheduled';
}

function lastRun(job: Job, zone: string): HTMLElement | string {
  if (!job.lastRunAt) return 'Not run yet';
  return h('span', { class: 'last-run' }, statusBadge(job.lastStatus ?? 'new'), ' ', when(job.lastRunAt, zone));
}

/** What every job shows: schedule and zone, next and last run. */
export function jobFacts(job: Job, zone: string): HTMLElement {
  return h(
    'dl',
    { class: 'facts compact' },
    h('dt', null, 'Schedule'),
    h('dd', null, job.schedule ? localClock(job.schedule.description) : 'None: runs after other tasks', job.schedule?.cron ? [' · ', h('code', { class: 'cron' }, job.schedule.cron)] : null),
    h('dt', null, 'Timezone'),
    h('dd', null, job.timezone.replaceAll('_', ' ')),
    h('dt', null, 'Next run'),
    h('dd', { class: 'job-next' }, nextRun(job, zone)),
    h('dt', null, 'Last run'),
    h('dd', { class: 'job-last' }, lastRun(job, zone)),
  );
}

/** Run now for a system job (an orphaned one cannot run: the server says 409). */
export function runNowButton(ctx: Ctx, job: Job, queued: (x: Execution) => void): HTMLButtonElement | null {
  if (job.service !== 'system' || job.status === 'orphaned') return null;
  const b: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      'data-focus-key': 'run',
      'aria-describedby': `job-name-${job.id}`,
      async onclick() {
        // Marked busy, not disabled, so the keyboard user's focus stays on it.
        if (b.getAttribute('aria-busy') === 'true') return;
        b.setAttribute('aria-busy', 'true');
        try {
          const x = await ctx.api.post<Execution>(`/api/jobs/system/${job.id}/run`);
          ctx.toast(`Run of “${job.name}” queued`);
          queued(x);
        } catch (err) {
          ctx.toast(messageOf(err), 'error');
        } finally {
          b.removeAttribute('aria-busy');
        }
      },
    },
    'Run now',
  );
  return b;
}

function systemCard(ctx: Ctx, job: Job, refresh: () => void): HTMLElement {
  return h(
    'li',
    { class: 'card job-card', 'data-job-id': job.id },
    h('div', { class: 'card-head' }, h('h2', { id: `job-name-${job.id}` }, h('a', { href: `#/jobs/system/${job.id}`, 'data-focus-key': 'open' }, job.name)), statusBadge(job.status)),
    job.description ? h('p', { class: 'job-description' }, job.description) : null,
    jobFacts(job, ctx.zone()),
    h(
      'div',
      { class: 'actions' },
      runNowButton(ctx, job, refresh),
      h('a', { href: `#/jobs/system/${job.id}`, class: 'button', 'data-focus-key': 'history', 'aria-describedby': `job-name-${job.id}` }, 'History'),
    ),
  );
}

function taskRow(ctx: Ctx, job: Job): HTMLElement {
  const mine = job.userId === ctx.session.user?.id;
  return h(
    'li',
    { class: 'job-row', 'data-job-id': job.id },
    h('div', { class: 'card-head' }, h('h3', null, mine ? h('a', { href: `#/tasks/${job.id}` }, job.name) : job.name), statusBadge(job.status)),
    h('p', { class: 'muted' }, `Owner: user ${job.userId ?? '?'}${mine ? ' (you)' : ''} · task ${job.id}`),
    jobFacts(job, ctx.zone()),
  );
}

/**
 * Redraws a list when what it shows changed (a screen reader's place is not disturbed every 10 s
 * for nothing), keeping the focus on the same control of the same job.
 */
function redraw(list: HTMLElement, sig: string, items: () => HTMLElement[]): void {
  if (list.dataset.sig === sig) return;
  list.dataset.sig = sig;
  const active = document.activeElement;
  const card = active instanceof HTMLElement && list.contains(active) ? active.closest<HTMLElement>('[data-job-id]') : null;
  const key = active instanceof HTMLElement ? active.dataset.focusKey : undefined;
  list.replaceChildren(...items());
  if (card?.dataset.jobId && key) list.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(card.dataset.jobId)}"] [data-focus-key="${CSS.escape(key)}"]`)?.focus();
}

export const jobsView: View = (ctx, main) => {
  if (!adminOnly(ctx, main)) return () => {};
  const systemList = h('ul', { class: 'job-list', 'aria-labelledby': 'system-title' });
  const taskList = h('ul', { class: 'job-list job-rows', 'aria-labelledby': 'all-tasks-title' });
  const status = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const more = h('button', { type: 'button', hidden: true, onclick: () => void loadMoreTasks() }, 'Show more tasks');
  let tasks: Job[] = [];
  let cursor: string | null = null;
  const soon: Array<ReturnType<typeof setTimeout>> = [];

  async function refresh(): Promise<void> {
    try {
      const [system, firstTasks] = await Promise.all([
        ctx.api.get<Page<Job>>('/api/jobs?service=system&limit=200'),
        // The tasks already shown are re-read together (up to a page of 200).
        tasks.length <= 200 ? ctx.api.get<Page<Job>>(`/api/jobs?service=tasks&limit=${Math.max(TASKS_PAGE, tasks.length)}`) : null,
      ]);
      status.textContent = `${system.items.length} system job${system.items.length === 1 ? '' : 's'} · refreshed every ${REFRESH_MS / 1000} s`;
      // Relative times need no redraw: the shell refreshes every <time data-relative>.
      redraw(systemList, JSON.stringify([system.items, ctx.zone()]), () => system.items.map((j) => systemCard(ctx, j, runSoon)));
      if (firstTasks) {
        tasks = firstTasks.items;
        cursor = firstTasks.nextCursor;
        drawTasks();
      }
    } catch (err) {
      status.textContent = messageOf(err);
    }
  }

  function drawTasks(): void {
    redraw(taskList, JSON.stringify([tasks, ctx.zone()]), () => (tasks.length ? tasks.map((j) => taskRow(ctx, j)) : [h('li', { class: 'muted' }, 'No user has a task yet.')]));
    more.hidden = cursor === null;
  }

  async function loadMoreTasks(): Promise<void> {
    if (!cursor) return;
    try {
      const page = await ctx.api.get<Page<Job>>(`/api/jobs?service=tasks&limit=${TASKS_PAGE}&cursor=${encodeURIComponent(cursor)}`);
      tasks = [...tasks, ...page.items];
      cursor = page.nextCursor;
      drawTasks();
    } catch (err) {
      ctx.toast(messageOf(err), 'error');
    }
  }

  /** After Run now: the run is usually over within a couple of seconds. */
  function runSoon(): void {
    void refresh();
    soon.push(setTimeout(() => void refresh(), 2_000));
  }

  fill(
    main,
    h(
      'section',
      { class: 'view jobs' },
      h('h1', { id: 'view-title', tabindex: -1 }, 'Jobs'),
      status,
      h('h2', { id: 'system-title', class: 'section-title' }, 'System jobs'),
      h('p', { class: 'hint' }, 'Declared in tickler’s code (src/scheduler/system-jobs.ts) and shipped with it: read-only here, but you may run one now. An orphaned job is no longer declared and never runs.'),
      systemList,
      h('h2', { id: 'all-tasks-title', class: 'section-title' }, 'Everyone’s tasks'),
      h('p', { class: 'hint' }, 'Read-only: each user manages their own tasks.'),
      taskList,
      more,
    ),
  );
  void refresh();
  const poll = whileVisible(() => REFRESH_MS, () => void refresh());
  return () => {
    poll.stop();
    for (const t of soon) clearTimeout(t);
  };
};
