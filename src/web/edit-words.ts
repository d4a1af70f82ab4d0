// "Edit in words" on a task's page: the user types a change ("move it to 10am"), sees what would
// change (before → after, the new description, the next runs) and applies it or not. Nothing is
// saved before Apply; Apply sends the same words with confirm, which saves the proposal as shown.
import { ApiError, messageOf } from './api.ts';
import { fill, h } from './dom.ts';
import { absolute, localClock } from './format.ts';
import type { Ctx, Schedule, Task } from './types.ts';

interface Change {
  field: 'schedule' | 'timezone' | 'enabled' | 'startAt' | 'endAt' | 'name' | 'prompt';
  before: unknown;
  after: unknown;
}

interface EditResult {
  applied: boolean;
  source: 'rules' | 'llm';
  changes: Change[];
  task: Task;
  nextRuns: string[];
}

const LABELS: Record<Change['field'], string> = {
  schedule: 'Schedule',
  timezone: 'Time zone',
  enabled: 'State',
  startAt: 'Runs from',
  endAt: 'Runs until',
  name: 'Name',
  prompt: 'Instruction',
};

function shown(field: Change['field'], value: unknown, zone: string): string {
  if (value === null || value === undefined || value === '') return field === 'startAt' || field === 'endAt' ? 'no limit' : 'none';
  if (field === 'schedule') return localClock((value as Schedule).description);
  if (field === 'enabled') return value ? 'Active' : 'Paused';
  if (field === 'startAt' || field === 'endAt') return absolute(new Date(value as string), zone);
  return String(value);
}

/** The box and its proposal card; `applied` gets the saved task. */
export function editInWords(ctx: Ctx, taskId: string, applied: (task: Task) => void): HTMLElement {
  const input = h('input', { id: 'edit-words', type: 'text', name: 'edit', autocomplete: 'off', maxlength: 2000, placeholder: 'e.g. move it to 10am, skip weekends, pause until Monday' });
  const proposal = h('div', { class: 'edit-proposal', 'aria-live': 'polite' });
  let busy = false;

  async function send(confirm: boolean): Promise<void> {
    const text = input.value.trim();
    if (!text || busy) return;
    busy = true;
    proposal.setAttribute('aria-busy', 'true');
    try {
      const result = await ctx.api.post<EditResult>(`/api/tasks/${taskId}/edit`, { text, ...(confirm ? { confirm: true } : {}) });
      if (result.applied) {
        input.value = '';
        fill(proposal);
        ctx.toast(result.changes.length ? 'Task changed' : 'Nothing to change');
        applied(result.task);
      } else showProposal(result);
    } catch (err) {
      const reason = err instanceof ApiError && err.problem.reason ? String(err.problem.reason) : messageOf(err);
      fill(proposal, h('p', { class: 'error', role: 'alert' }, reason));
    } finally {
      busy = false;
      proposal.removeAttribute('aria-busy');
    }
  }

  function showProposal(r: EditResult): void {
    const zone = r.task.timezone;
    if (r.changes.length === 0) {
      fill(proposal, h('p', { class: 'muted' }, 'The task already does that: nothing would change.'));
      return;
    }
    fill(
      proposal,
      h('h3', null, 'Proposed change'),
      h(
        'dl',
        { class: 'edit-changes' },
        r.changes.flatMap((c) => [h('dt', null, LABELS[c.field]), h('dd', null, h('del', null, shown(c.field, c.before, zone)), ' → ', h('ins', null, shown(c.field, c.after, zone)))]),
      ),
      r.nextRuns.length
        ? h('div', null, h('p', { class: 'muted' }, 'Next runs after the change:'), h('ul', { class: 'edit-runs' }, r.nextRuns.map((at) => h('li', null, absolute(new Date(at), zone)))))
        : h('p', { class: 'muted' }, 'No runs after the change.'),
      r.source === 'llm' ? h('p', { class: 'muted' }, 'Read by the language model: check it before applying.') : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => void send(true) }, 'Apply'),
        h('button', { type: 'button', onclick: () => fill(proposal) }, 'Cancel'),
      ),
    );
  }

  return h(
    'form',
    {
      class: 'edit-words',
      onsubmit: (e: SubmitEvent) => {
        e.preventDefault();
        void send(false);
      },
    },
    h('label', { for: 'edit-words' }, 'Edit in words'),
    h('div', { class: 'edit-words-row' }, input, h('button', { type: 'submit' }, 'Preview change')),
    proposal,
  );
}
