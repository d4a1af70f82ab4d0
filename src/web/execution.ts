// One execution: its one-line summary, and once opened its output, error and steps — every LLM
// call and every tool call with its arguments and result — and, for tasks that run after others,
// what it waits for or which runs let it start.
import { messageOf } from './api.ts';
import { fill, h } from './dom.ts';
import { absolute, count, duration, plural, pretty, relative } from './format.ts';
import { reasonLine, type RunLike, runBadge } from './run-outcome.ts';
import type { Ctx, Execution, Step } from './types.ts';

/** With its steps (GET /api/executions/:id); without them, as a list returned it. */
export type ExecutionDetail = Execution & { steps?: Step[] };

export const isOpen = (x: Execution) => x.status === 'queued' || x.status === 'running';
const tokens = (x: Execution) => x.usage.promptTokens + x.usage.completionTokens;

function triggerLabel(x: Execution): string {
  const base = { schedule: 'Scheduled', manual: 'Manual run', retry: `Retry #${x.attempt}`, catchup: 'Catch-up', dependency: 'After its dependencies' }[x.trigger] ?? x.trigger;
  return x.dryRun ? `${base} · dry run` : base;
}

/**
 * The children of an execution's <summary>: status, trigger (or its task, in All runs), when, how
 * long, tokens, and why it failed or warned.
 */
export function executionSummary(x: RunLike, zone: string, opts: { showTask?: boolean } = {}): Array<HTMLElement | null> {
  const at = new Date(x.startedAt ?? x.scheduledFor);
  return [
    runBadge(x),
    opts.showTask && x.taskName ? h('span', { class: 'x-task' }, x.taskName) : null,
    h('span', { class: 'x-trigger' }, triggerLabel(x)),
    h('span', { class: 'x-when' }, x.startedAt ? 'Started ' : 'Scheduled ', h('time', { datetime: at.toISOString(), title: absolute(at, zone) }, absolute(at, zone)), ' ', h('span', { class: 'muted' }, '(', h('time', { datetime: at.toISOString(), 'data-relative': '' }, relative(at)), ')')),
    x.status === 'waiting' && x.waitUntil ? waitingUntil(x.waitUntil, zone) : null,
    h('span', { class: 'x-duration' }, x.durationMs === null ? (x.status === 'running' ? 'running…' : '') : duration(x.durationMs)),
    h('span', { class: 'x-tokens' }, tokens(x) ? `${count(tokens(x))} tokens` : ''),
    reasonLine(x),
  ];
}

/** "Waits for its dependencies until Thu, Nov 26, 10:00 (in 52 minutes)". */
function waitingUntil(iso: string, zone: string): HTMLElement {
  const at = new Date(iso);
  return h('span', { class: 'x-wait' }, 'Waits for its dependencies until ', absolute(at, zone), ' ', h('span', { class: 'muted' }, '(', h('time', { datetime: iso, 'data-relative': '' }, relative(at)), ')'));
}

/**
 * The runs whose successes let this one start, as links to them once their tasks are known
 * (ids alone until then, or when they are not this user's to read).
 */
function satisfiedByList(ctx: Ctx, ids: string[]): HTMLElement {
  const list = h('ul', { class: 'inline-list' });
  const names = new Map<string, Promise<string>>();
  const nameOf = (taskId: string) => {
    let name = names.get(taskId);
    if (!name) {
      name = ctx.api.get<{ name: string }>(`/api/tasks/${taskId}`).then((t) => t.name, () => `task ${taskId}`);
      names.set(taskId, name);
    }
    return name;
  };
  for (const id of ids) {
    const li = h('li', null, `run ${id}`);
    list.append(li);
    void ctx.api.get<Execution>(`/api/executions/${id}`).then(
      async (x) => fill(li, h('a', { href: `#/tasks/${x.taskId}/runs/${x.id}` }, `“${await nameOf(x.taskId)}”`), ` run ${x.id}`),
      () => undefined,
    );
  }
  return list;
}

/** Headings nest under the page's History (h2): the run's parts are h3, a step's parts h4. */
function block(label: string, text: string, cls = '', level: 'h3' | 'h4' = 'h4'): HTMLElement {
  return h('div', { class: 'block' }, h(level, { class: 'part-title' }, label), h('pre', { class: cls, tabindex: 0 }, text));
}

function stepItem(s: Step): HTMLElement {
  if (s.kind === 'llm') {
    const error = s.error as { type: string; message: string } | undefined;
    const toolCalls = Number(s.toolCalls ?? 0);
    return h(
      'li',
      { class: 'step step-llm' },
      h(
        'p',
        { class: 'step-head' },
        h('span', { class: 'step-kind' }, 'LLM call'),
        h('span', null, String(s.model ?? '')),
        h('span', { class: 'muted' }, error ? `failed: ${error.message}` : toolCalls ? `asked for ${plural(toolCalls, 'tool call')}` : `finished (${String(s.finishReason ?? '')})`),
        h('span', { class: 'muted' }, `${count(Number(s.promptTokens ?? 0))} in · ${count(Number(s.completionTokens ?? 0))} out tokens${s.tokensEstimated ? ' (estimated)' : ''}`),
        h('span', { class: 'muted' }, duration(s.durationMs)),
      ),
    );
  }
  return h(
    'li',
    { class: `step step-tool${s.error ? ' step-failed' : ''}` },
    h(
      'p',
      { class: 'step-head' },
      h('span', { class: 'step-kind' }, 'Tool call'),
      h('code', null, String(s.name ?? '')),
      s.dryRun ? h('span', { class: 'pill' }, 'dry run') : null,
      h('span', { class: 'muted' }, duration(s.durationMs)),
    ),
    block('Arguments', pretty(s.arguments)),
    s.error ? block('Error', String(s.error), 'error-text') : block('Result', s.result === null || s.result === undefined ? '(nothing)' : pretty(s.result)),
  );
}

/**
 * The opened execution; `onChanged` receives it after a cancel. `cancellable: false` where the
 * reader may not cancel it (an admin looking at a system job's run).
 */
export function executionBody(ctx: Ctx, x: ExecutionDetail, onChanged: (x: Execution) => void, opts: { cancellable?: boolean } = {}): HTMLElement {
  const cancel = isOpen(x) && opts.cancellable !== false
    ? h(
        'button',
        {
          type: 'button',
          class: 'danger-quiet',
          'data-focus-key': 'cancel',
          async onclick(e: MouseEvent) {
            const b = e.currentTarget as HTMLButtonElement;
            b.disabled = true;
            try {
              onChanged(await ctx.api.post<Execution>(`/api/executions/${x.id}/cancel`));
              ctx.toast('Execution cancelled');
            } catch (err) {
              ctx.toast(messageOf(err), 'error');
              b.disabled = false;
            }
          },
        },
        x.status === 'running' ? 'Cancel this run' : 'Cancel before it starts',
      )
    : null;
  const zone = ctx.zone();
  return h(
    'div',
    { class: 'execution-body' },
    h(
      'dl',
      { class: 'facts compact' },
      h('dt', null, 'Scheduled for'),
      h('dd', null, absolute(new Date(x.scheduledFor), zone)),
      x.startedAt ? [h('dt', null, 'Started'), h('dd', null, absolute(new Date(x.startedAt), zone))] : null,
      x.finishedAt ? [h('dt', null, 'Finished'), h('dd', null, absolute(new Date(x.finishedAt), zone), x.durationMs === null ? '' : ` (${duration(x.durationMs)})`)] : null,
      x.status === 'waiting' && x.waitUntil
        ? [h('dt', null, 'Waits until'), h('dd', null, absolute(new Date(x.waitUntil), zone), h('span', { class: 'muted' }, ' (then it is skipped, unless every task it runs after has succeeded)'))]
        : null,
      x.satisfiedBy?.length ? [h('dt', null, 'Ran after'), h('dd', null, satisfiedByList(ctx, x.satisfiedBy))] : null,
      h('dt', null, 'Attempt'),
      h('dd', null, String(x.attempt)),
      // A system job's run (no steps to show) calls no LLM: nothing to say about usage.
      x.steps || x.usage.llmCalls || x.usage.toolCalls
        ? [h('dt', null, 'Usage'), h('dd', null, `${plural(x.usage.llmCalls, 'LLM call')}, ${plural(x.usage.toolCalls, 'tool call')}, ${count(x.usage.promptTokens)} in + ${count(x.usage.completionTokens)} out tokens`)]
        : null,
    ),
    cancel ? h('div', { class: 'actions' }, cancel) : null,
    x.output ? block('Output', x.output, 'output', 'h3') : null,
    x.error ? h('div', { class: 'block' }, h('h3', { class: 'part-title' }, 'Error'), h('p', { class: 'error-text' }, h('code', null, x.error.type), ' ', x.error.message)) : null,
    x.steps ? steps(x.steps, isOpen(x)) : null,
  );
}

function steps(list: Step[], open: boolean): HTMLElement[] {
  return [
    h('h3', { class: 'part-title' }, list.length ? `Steps (${list.length})` : 'Steps'),
    list.length ? h('ol', { class: 'steps' }, ...list.map(stepItem)) : h('p', { class: 'muted' }, open ? 'Nothing yet: steps appear here as the run makes them.' : 'No steps were recorded.'),
  ];
}
