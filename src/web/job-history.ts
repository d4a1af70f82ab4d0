// A system job's page, for admins: what it is, Run now, and its executions, newest first, each
// opening onto its output or error (system jobs make no LLM or tool calls, so they have no steps).
// Nothing about them arrives live here (see jobs.ts): the page re-reads itself every 2 s while a
// run is queued or running, every 10 s otherwise, while it is visible.
import { messageOf } from './api.ts';
import { fill, h, replaceKeepingFocus } from './dom.ts';
import { executionBody, isOpen } from './execution.ts';
import { executionList } from './execution-list.ts';
import { historySection } from './history.ts';
import { adminOnly, jobFacts, runNowButton } from './jobs.ts';
import { whileVisible } from './poll.ts';
import { statusBadge } from './task-actions.ts';
import type { Execution, Job, Page, View } from './types.ts';

const PAGE = 20;
const BUSY_MS = 2_000;
const IDLE_MS = 10_000;

export const jobHistoryView: View = (ctx, main, [jobId]) => {
  if (!adminOnly(ctx, main)) return () => {};
  const title = h('h1', { id: `job-name-${jobId}`, tabindex: -1 }, 'System job');
  let head = h('div', { class: 'task-head' }, h('p', { class: 'muted' }, 'Loading…'));
  const more = h('button', { type: 'button', hidden: true, onclick: () => void loadOlder() }, 'Show older runs');
  const empty = h('p', { class: 'muted', hidden: true }, 'No runs yet.');
  let job: Job | null = null;
  let cursor: string | null = null;
  let loadedOnce = false;

  const list = executionList({
    labelledBy: 'history-title',
    zone: () => ctx.zone(),
    // The list's rows hold everything a system job's run records.
    body: async (x) => executionBody(ctx, x, () => undefined, { cancellable: false }),
    changed: () => {
      empty.hidden = list.rows().length > 0;
    },
  });

  function drawJob(): void {
    if (!job) return;
    const j = job;
    title.textContent = j.name;
    document.title = `${j.name} · tickler`;
    const fresh = h(
      'div',
      { class: 'task-head' },
      h('div', { class: 'card-head' }, h('p', { class: 'job-description' }, j.description ?? ''), statusBadge(j.status)),
      jobFacts(j, ctx.zone()),
      h(
        'div',
        { class: 'actions' },
        runNowButton(ctx, j, (x) => {
          list.upsert([x], true);
          poll.now();
        }),
      ),
    );
    replaceKeepingFocus(head, fresh);
    head = fresh;
  }

  async function loadJob(): Promise<void> {
    // No route reads one job: the system jobs are a handful, so the list is read.
    const page = await ctx.api.get<Page<Job>>('/api/jobs?service=system&limit=200');
    job = page.items.find((j) => j.id === jobId) ?? null;
    if (job) return drawJob();
    title.textContent = 'Job not found';
    fill(head, h('p', null, 'There is no system job with this id. '), h('a', { href: '#/jobs' }, 'Back to all jobs'));
  }

  async function loadNewest(): Promise<void> {
    const page = await ctx.api.get<Page<Execution>>(`/api/jobs/system/${jobId}/executions?limit=${PAGE}`);
    if (!loadedOnce) cursor = page.nextCursor;
    loadedOnce = true;
    list.upsert(page.items, true);
    more.hidden = cursor === null;
  }

  async function loadOlder(): Promise<void> {
    if (!cursor) return;
    try {
      const page = await ctx.api.get<Page<Execution>>(`/api/jobs/system/${jobId}/executions?limit=${PAGE}&cursor=${cursor}`);
      cursor = page.nextCursor;
      list.upsert(page.items, false);
      more.hidden = cursor === null;
    } catch (err) {
      ctx.toast(messageOf(err), 'error');
    }
  }

  async function refresh(): Promise<void> {
    try {
      await loadJob();
      if (job) await loadNewest();
    } catch (err) {
      ctx.toast(messageOf(err), 'error');
    }
  }

  fill(main, historySection({ href: '#/jobs', label: 'All jobs' }, title, head, empty, list.el, more));
  const poll = whileVisible(
    () => (list.rows().some((r) => isOpen(r.x)) ? BUSY_MS : IDLE_MS),
    () => void refresh(),
  );
  void refresh();
  return () => poll.stop();
};
