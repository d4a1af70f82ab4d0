// How a run went, said honestly: a run whose tool calls failed is "Succeeded with errors" (a warning,
// not a plain green success), and a failed or warned run carries its one-line reason wherever it is
// shown collapsed (a history row, a task card).
import { h } from './dom.ts';
import { statusBadge } from './task-actions.ts';
import type { Execution, Run } from './types.ts';

/** An execution as the lists show it; the tool-call fields come with GET /api/executions. */
export type RunLike = Execution & Partial<Pick<Run, 'taskName' | 'failedToolCalls' | 'firstToolError'>>;

/** The first non-empty line of `text`, cut to `max` characters. */
export function firstLine(text: string | null | undefined, max = 160): string {
  const line = (text ?? '').split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export const hasToolErrors = (x: RunLike) => x.status === 'succeeded' && (x.failedToolCalls ?? 0) > 0;

/** The run's badge: "Succeeded with errors" when a tool call failed. */
export function runBadge(x: RunLike): HTMLElement {
  if (!hasToolErrors(x)) return statusBadge(x.status);
  const n = x.failedToolCalls ?? 0;
  return h('span', { class: 'status status-warning', title: `${n} tool call${n === 1 ? '' : 's'} failed` }, 'Succeeded with errors');
}

/** Why it went wrong, in one line, or null when nothing did. */
export function runReason(x: RunLike): string | null {
  if (x.error && (x.status === 'failed' || x.status === 'interrupted')) return firstLine(x.error.message);
  if (hasToolErrors(x)) {
    const n = x.failedToolCalls ?? 0;
    return `${n === 1 ? 'A tool call' : `${n} tool calls`} failed: ${firstLine(x.firstToolError) || 'see its steps'}`;
  }
  return null;
}

export function reasonLine(x: RunLike, cls = 'x-reason'): HTMLElement | null {
  const why = runReason(x);
  return why ? h('span', { class: `${cls} ${x.status === 'failed' ? 'error-text' : 'warn'}` }, why) : null;
}
