// The edit form's dependency fields: "Runs after" (a group of checkboxes over the user's other
// tasks, filterable when there are many: plain checkboxes are the multi-select every screen
// reader and keyboard already knows) and "Wait up to" (a number and a unit).
import { messageOf } from './api.ts';
import { fill, h } from './dom.ts';
import { inUnits, localClock } from './format.ts';
import type { Ctx, Page, Task } from './types.ts';

const MAX_AFTER = 20;
const MAX_WAIT_SECONDS = 7 * 86_400;
const FILTER_FROM = 8;
const WAIT_UNITS: Array<[string, number]> = [
  ['seconds', 1],
  ['minutes', 60],
  ['hours', 3_600],
  ['days', 86_400],
];

export interface DepsFields {
  after: HTMLFieldSetElement;
  wait: HTMLElement;
  /** The chosen ids, in list order. */
  chosen(): string[];
  /** The wait in seconds, or a message saying why it is not one. */
  waitSeconds(): number | string;
  /** Scheduled or not: the wait only applies to scheduled runs. */
  setScheduled(scheduled: boolean): void;
}

/** An error shown under a field (or group), announced, and linked to it for screen readers. */
export function fieldError(id: string): HTMLParagraphElement {
  return h('p', { id, class: 'field-error', role: 'alert', hidden: true });
}

export function depsFields(ctx: Ctx, task: Task): DepsFields {
  const options = h('div', { id: 'edit-after-options', class: 'after-options' }, h('p', { class: 'muted' }, 'Loading your tasks…'));
  const filter = h('input', { id: 'edit-after-filter', type: 'search', autocomplete: 'off', 'aria-controls': 'edit-after-options', hidden: true, placeholder: 'Filter by name' });
  const filterLabel = h('label', { for: 'edit-after-filter', class: 'visually-hidden' }, 'Filter the tasks to run after');
  const count = h('p', { id: 'edit-after-count', class: 'hint', 'aria-live': 'polite' });
  const after = h(
    'fieldset',
    { id: 'edit-after', class: 'after', 'aria-describedby': 'edit-after-help edit-after-error' },
    h('legend', null, 'Runs after'),
    h('p', { id: 'edit-after-help', class: 'hint' }, `It runs once each chosen task has succeeded (up to ${MAX_AFTER}).`),
    filterLabel,
    filter,
    options,
    count,
    fieldError('edit-after-error'),
  );

  const { n, size } = inUnits(task.waitSeconds);
  const unitSize = WAIT_UNITS.some(([, s]) => s === size) ? size : 1;
  const amount = h('input', { id: 'edit-wait', type: 'number', min: 0, step: 1, inputmode: 'numeric', value: unitSize === size ? n : task.waitSeconds, 'aria-describedby': 'edit-wait-help edit-wait-error', class: 'wait-amount' });
  const unit = h('select', { id: 'edit-wait-unit', 'aria-label': 'Unit of the wait' }, ...WAIT_UNITS.map(([label, s]) => h('option', { value: s, selected: s === unitSize }, label)));
  const waitHelp = h('p', { id: 'edit-wait-help', class: 'hint' });
  const wait = h('div', { class: 'field' }, h('label', { for: 'edit-wait' }, 'Wait up to'), h('div', { class: 'field-row' }, amount, unit), waitHelp, fieldError('edit-wait-error'));

  const boxes = () => Array.from(options.querySelectorAll<HTMLInputElement>('input[name="after"]'));
  const updateCount = () => {
    const n = boxes().filter((b) => b.checked).length;
    count.textContent = n ? `${n} chosen` : 'None chosen: it runs on its schedule alone.';
  };

  function option(t: { id: string; name: string; detail: string }): HTMLElement {
    return h(
      'label',
      { class: 'check after-option', 'data-name': t.name.toLowerCase() },
      h('input', { type: 'checkbox', name: 'after', value: t.id, checked: task.after.includes(t.id), onchange: updateCount }),
      ' ',
      h('span', null, t.name, h('span', { class: 'muted' }, ` · ${t.detail}`)),
    );
  }

  async function load(): Promise<void> {
    try {
      const page = await ctx.api.get<Page<Task>>('/api/tasks?limit=200');
      const others = page.items.filter((t) => t.id !== task.id).map((t) => ({ id: t.id, name: t.name, detail: t.schedule ? localClock(t.schedule.description) : 'runs after other tasks' }));
      // A chosen task beyond the first page is kept, by id.
      for (const id of task.after) if (!others.some((o) => o.id === id)) others.push({ id, name: `task ${id}`, detail: 'chosen earlier' });
      if (others.length === 0) return fill(options, h('p', { class: 'muted' }, 'You have no other tasks yet.'));
      fill(options, ...others.map(option));
      filter.hidden = others.length < FILTER_FROM;
      updateCount();
    } catch (err) {
      fill(options, h('p', { class: 'error' }, messageOf(err)));
    }
  }
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    // Hidden options keep their state: filtering never unchooses anything.
    for (const label of Array.from(options.querySelectorAll<HTMLElement>('.after-option'))) label.hidden = q !== '' && !label.dataset.name?.includes(q);
  });
  void load();

  return {
    after,
    wait,
    chosen: () => boxes().filter((b) => b.checked).map((b) => b.value),
    waitSeconds() {
      const v = Number(amount.value);
      if (amount.value.trim() === '' || !Number.isInteger(v) || v < 0) return 'Give a whole number, 0 or more.';
      const seconds = v * Number(unit.value);
      return seconds > MAX_WAIT_SECONDS ? 'At most 7 days.' : seconds;
    },
    setScheduled(scheduled) {
      amount.disabled = !scheduled;
      unit.disabled = !scheduled;
      waitHelp.textContent = scheduled
        ? 'How long a scheduled run waits for those tasks to succeed; after that it is skipped.'
        : 'Only for scheduled runs: without a schedule it runs as soon as those tasks have succeeded.';
    },
  };
}
