// A list of executions, newest first, each a <details> whose body is drawn when it is opened.
// Refreshes update rows in place (same element, same open state, focus kept), so a list that is
// re-read every few seconds never closes what the reader opened. Used by a task's history and by
// a job's history (admins).
import { fill, h, replaceKeepingFocus } from './dom.ts';
import { executionSummary } from './execution.ts';
import type { RunLike } from './run-outcome.ts';

export interface ExecutionRow {
  details: HTMLDetailsElement;
  x: RunLike;
}

export interface ExecutionList {
  el: HTMLOListElement;
  /** Adds or refreshes executions: new ones go on top, or at the end for older pages. */
  upsert(items: RunLike[], onTop: boolean): void;
  rows(): ExecutionRow[];
  /** Re-draws an opened row's body (a running execution's new steps). */
  reopen(id: string): void;
  /** Opens a row and moves the reader there; false when it is not in the list. */
  reveal(id: string): boolean;
  clear(): void;
}

interface Row extends ExecutionRow {
  li: HTMLLIElement;
  summary: HTMLElement;
  body: HTMLElement;
  sig: string;
}

/**
 * `body` draws an opened execution (it may fetch more, e.g. its steps); `changed` is told after
 * every upsert (the page's header may depend on the runs).
 */
export function executionList(opts: { labelledBy: string; zone: () => string; body(x: RunLike): Promise<HTMLElement>; changed?(): void; showTask?: boolean }): ExecutionList {
  const el = h('ol', { class: 'executions', 'aria-labelledby': opts.labelledBy });
  const rows = new Map<string, Row>();

  async function open(row: Row): Promise<void> {
    const body = await opts.body(row.x);
    if (!row.details.open) return;
    replaceKeepingFocus(row.body, body);
    row.body = body;
  }

  function makeRow(x: RunLike): Row {
    const summary = h('summary', { class: 'x-summary' });
    const body = h('div', { class: 'execution-body' }, h('p', { class: 'muted' }, 'Loading…'));
    const details = h('details', { 'data-execution-id': x.id }, summary, body);
    const row: Row = { li: h('li', null, details), details, summary, body, x, sig: '' };
    details.addEventListener('toggle', () => {
      if (details.open) void open(row);
    });
    return row;
  }

  const byIdDesc = (a: Row, b: Row) => Number(b.x.id) - Number(a.x.id);

  return {
    el,
    upsert(items, onTop) {
      const zone = opts.zone();
      const fresh: Row[] = [];
      for (const x of items) {
        let row = rows.get(x.id);
        if (!row) {
          row = makeRow(x);
          rows.set(x.id, row);
          fresh.push(row);
        }
        const sig = JSON.stringify(x) + zone;
        if (row.sig === sig) continue;
        row.x = x;
        row.sig = sig;
        fill(row.summary, ...executionSummary(x, zone, { showTask: opts.showTask ?? false }));
        if (row.details.open) void open(row);
      }
      fresh.sort(byIdDesc);
      if (onTop) el.prepend(...fresh.map((r) => r.li));
      else el.append(...fresh.map((r) => r.li));
      opts.changed?.();
    },
    rows: () => [...rows.values()],
    reopen(id) {
      const row = rows.get(id);
      if (row?.details.open) void open(row);
    },
    reveal(id) {
      const row = rows.get(id);
      if (!row) return false;
      row.details.open = true;
      row.summary.focus();
      row.summary.scrollIntoView({ block: 'center' });
      return true;
    },
    clear() {
      el.replaceChildren();
      rows.clear();
    },
  };
}
