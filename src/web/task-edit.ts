// Editing a task in a dialog: name, instruction, schedule (plain English or cron), zone, tools.
// Only what changed is sent, so an untouched schedule keeps its exact form.
import { messageOf } from './api.ts';
import { openModal } from './dialog.ts';
import { h } from './dom.ts';
import type { Ctx, Schedule, Task } from './types.ts';
import { zoneSelect } from './zones.ts';

const UNITS: Array<[string, number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** The schedule written so that the parser reads it back to the same thing. */
export function scheduleText(s: Schedule | null, zone: string): string {
  if (!s) return '';
  if (s.kind === 'cron') return s.cron ?? '';
  if (s.kind === 'interval') {
    const secs = s.everySeconds ?? 0;
    const [unit, size] = UNITS.find(([, n]) => secs % n === 0) ?? ['second', 1];
    const n = secs / size;
    return `every ${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date(s.at ?? 0))
    .reduce<Record<string, string>>((acc, p) => Object.assign(acc, { [p.type]: p.value }), {});
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Opens the editor; resolves with the saved task, or null when the user cancelled. */
export async function editTask(ctx: Ctx, task: Task): Promise<Task | null> {
  const initialSchedule = scheduleText(task.schedule, task.timezone);
  const name = h('input', { id: 'edit-name', required: true, maxlength: 200, value: task.name, autocomplete: 'off' });
  const prompt = h('textarea', { id: 'edit-prompt', rows: 4, maxlength: 20000 }, task.prompt);
  const schedule = h('input', { id: 'edit-schedule', required: true, value: initialSchedule, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'edit-schedule-help' });
  const zone = zoneSelect('edit-zone', task.timezone);
  const tools = ctx.session.tools.map((t) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'tools', value: t, checked: task.tools.includes(t) }), ' ', h('code', null, t)),
  );
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  let saved: Task | null = null;

  const dialog = h('dialog', { class: 'dialog dialog-wide', 'aria-labelledby': 'edit-title' });
  const form = h(
    'form',
    {
      class: 'stack',
      async onsubmit(e: SubmitEvent) {
        e.preventDefault();
        const patch: Record<string, unknown> = {};
        if (name.value.trim() !== task.name) patch.name = name.value.trim();
        if (prompt.value !== task.prompt) patch.prompt = prompt.value;
        if (zone.value !== task.timezone) patch.timezone = zone.value;
        if (schedule.value.trim() !== initialSchedule) patch.schedule = { text: schedule.value.trim() };
        const chosen = Array.from(form.querySelectorAll<HTMLInputElement>('input[name="tools"]:checked')).map((i) => i.value);
        if (chosen.join() !== task.tools.join()) patch.tools = chosen;
        if (Object.keys(patch).length === 0) return dialog.close('cancel');
        save.disabled = true;
        error.hidden = true;
        try {
          saved = await ctx.api.patch<Task>(`/api/tasks/${task.id}`, patch);
          dialog.close('saved');
        } catch (err) {
          error.textContent = messageOf(err);
          error.hidden = false;
          save.disabled = false;
        }
      },
    },
    h('h2', { id: 'edit-title' }, 'Edit task'),
    h('div', { class: 'field' }, h('label', { for: 'edit-name' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'edit-prompt' }, 'Instruction'), prompt),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'edit-schedule' }, 'Schedule'),
      schedule,
      h('p', { id: 'edit-schedule-help', class: 'hint' }, `Plain English or a cron expression. Now: ${task.schedule?.description ?? 'none (it runs after other tasks)'}.`),
    ),
    h('div', { class: 'field' }, h('label', { for: 'edit-zone' }, 'Timezone'), zone),
    h('fieldset', { class: 'tools' }, h('legend', null, 'Tools the task may use'), ...tools),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'), save),
  );
  dialog.append(form);
  await openModal(dialog, name);
  return saved;
}
