// Editing a task in a dialog: name, instruction, schedule (plain English, cron or an RRULE, or none: then it
// runs only after other tasks), the tasks it runs after and how long a run waits for them, zone,
// tools. Only what changed is sent, so an untouched schedule keeps its exact form. A refusal is
// shown at the field it is about (a cycle at "Runs after"), the rest under the form.
import { ApiError, messageOf } from './api.ts';
import { openModal } from './dialog.ts';
import { h } from './dom.ts';
import { inUnits, localClock } from './format.ts';
import { isRRule, rruleInput } from './rrule-input.ts';
import { type DepsFields, depsFields, fieldError } from './task-deps-fields.ts';
import type { Ctx, Schedule, Task } from './types.ts';
import { resultSwitch, toolWords } from './tool-words.ts';
import { zoneSelect } from './zones.ts';

/** The schedule written so that the parser reads it back to the same thing. */
export function scheduleText(s: Schedule | null, zone: string): string {
  if (!s) return '';
  if (s.kind === 'cron') return s.cron ?? '';
  if (s.kind === 'rrule') return `RRULE:${s.rrule ?? ''}`;
  if (s.kind === 'interval') {
    const { n, unit } = inUnits(s.everySeconds ?? 0);
    return `every ${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(new Date(s.at ?? 0))
    .reduce<Record<string, string>>((acc, p) => Object.assign(acc, { [p.type]: p.value }), {});
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** Where a field's refusal is shown: the first segment of its path ("after.2" → after). */
type Slot = 'name' | 'schedule' | 'after' | 'waitSeconds';
const SLOT_IDS: Record<Slot, string> = { name: 'edit-name', schedule: 'edit-schedule', after: 'edit-after', waitSeconds: 'edit-wait' };

/** Sentence case for a message shown alone under its field. */
const sentence = (m: string) => m.charAt(0).toUpperCase() + m.slice(1);

function buildPatch(task: Task, f: { name: string; prompt: string; zone: string; noSchedule: boolean; schedule: string; initialSchedule: string; tools: string[]; notifyResult: boolean; deps: DepsFields; wait: number }) {
  const patch: Record<string, unknown> = {};
  if (f.name !== task.name) patch.name = f.name;
  if (f.prompt !== task.prompt) patch.prompt = f.prompt;
  if (f.zone !== task.timezone) patch.timezone = f.zone;
  if (f.noSchedule && task.schedule) patch.schedule = null;
  if (!f.noSchedule && (!task.schedule || f.schedule !== f.initialSchedule)) {
    patch.schedule = isRRule(f.schedule) ? rruleInput(f.schedule, task.schedule?.dtstart) : { text: f.schedule };
  }
  if (f.tools.join() !== task.tools.join()) patch.tools = f.tools;
  if (f.notifyResult !== task.notifyResult) patch.notifyResult = f.notifyResult;
  const after = f.deps.chosen();
  if ([...after].sort().join() !== [...task.after].sort().join()) patch.after = after;
  if (f.wait !== task.waitSeconds) patch.waitSeconds = f.wait;
  return patch;
}

/** Opens the editor; resolves with the saved task, or null when the user cancelled. */
export async function editTask(ctx: Ctx, task: Task): Promise<Task | null> {
  const initialSchedule = scheduleText(task.schedule, task.timezone);
  const name = h('input', { id: 'edit-name', required: true, maxlength: 200, value: task.name, autocomplete: 'off', 'aria-describedby': 'edit-name-error' });
  const prompt = h('textarea', { id: 'edit-prompt', rows: 4, maxlength: 20000 }, task.prompt);
  const schedule = h('input', { id: 'edit-schedule', required: true, value: initialSchedule, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'edit-schedule-help edit-schedule-error' });
  const noSchedule = h('input', { id: 'edit-no-schedule', type: 'checkbox', checked: task.schedule === null });
  const zone = zoneSelect('edit-zone', task.timezone);
  const deps = depsFields(ctx, task);
  // Each tool says in words what it lets the task do, read with its checkbox.
  const tools = ctx.session.tools.map((t) =>
    h(
      'div',
      { class: 'tool-choice' },
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'tools', value: t, checked: task.tools.includes(t), 'aria-describedby': `edit-tool-${t}-help` }), ' ', h('code', null, t)),
      h('p', { id: `edit-tool-${t}-help`, class: 'hint tool-help' }, toolWords(t)),
    ),
  );
  const tellMe = resultSwitch('edit-notify-result', task.notifyResult);
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  let saved: Task | null = null;

  const syncSchedule = () => {
    schedule.disabled = noSchedule.checked;
    schedule.required = !noSchedule.checked;
    deps.setScheduled(!noSchedule.checked);
  };
  noSchedule.addEventListener('change', syncSchedule);
  syncSchedule();

  const dialog = h('dialog', { class: 'dialog dialog-wide', 'aria-labelledby': 'edit-title' });
  const slotError = (slot: Slot) => dialog.querySelector<HTMLElement>(`#${SLOT_IDS[slot]}-error`) as HTMLElement;
  function clearErrors(): void {
    error.hidden = true;
    for (const slot of Object.keys(SLOT_IDS) as Slot[]) {
      slotError(slot).hidden = true;
      dialog.querySelector(`#${SLOT_IDS[slot]}`)?.removeAttribute('aria-invalid');
    }
  }
  /** Shows each message at its field and moves the focus to the first; false when none had one. */
  function showAtFields(errors: Array<{ path: string; message: string }>): boolean {
    let first: HTMLElement | null = null;
    for (const e of errors) {
      const slot = e.path.split('.')[0] as Slot;
      if (!(slot in SLOT_IDS)) continue;
      const el = slotError(slot);
      el.textContent = el.hidden ? sentence(e.message) : `${el.textContent} ${sentence(e.message)}`;
      el.hidden = false;
      // The group's first choice takes the focus for "Runs after"; its error is read with the group.
      const target = slot === 'after' ? deps.after.querySelector<HTMLElement>('input[name="after"]:checked, input[name="after"]') : dialog.querySelector<HTMLElement>(`#${SLOT_IDS[slot]}`);
      if (slot !== 'after') target?.setAttribute('aria-invalid', 'true');
      first ??= target;
    }
    first?.focus();
    return first !== null;
  }

  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      async onsubmit(e: SubmitEvent) {
        e.preventDefault();
        clearErrors();
        const wait = deps.waitSeconds();
        const local: Array<{ path: string; message: string }> = [];
        if (!name.value.trim()) local.push({ path: 'name', message: 'give the task a name' });
        if (!noSchedule.checked && !schedule.value.trim()) local.push({ path: 'schedule', message: 'say when it runs, or tick “No schedule” and choose tasks to run after' });
        if (noSchedule.checked && deps.chosen().length === 0) local.push({ path: 'after', message: 'choose at least one task to run after, or give it a schedule' });
        if (typeof wait === 'string') local.push({ path: 'waitSeconds', message: wait });
        if (local.length) return void showAtFields(local);
        const chosenTools = Array.from(form.querySelectorAll<HTMLInputElement>('input[name="tools"]:checked')).map((i) => i.value);
        const patch = buildPatch(task, { name: name.value.trim(), prompt: prompt.value, zone: zone.value, noSchedule: noSchedule.checked, schedule: schedule.value.trim(), initialSchedule, tools: chosenTools, notifyResult: tellMe.input.checked, deps, wait: wait as number });
        if (Object.keys(patch).length === 0) return dialog.close('cancel');
        save.disabled = true;
        try {
          saved = await ctx.api.patch<Task>(`/api/tasks/${task.id}`, patch);
          dialog.close('saved');
        } catch (err) {
          if (!(err instanceof ApiError && showAtFields(err.problem.errors ?? []))) {
            error.textContent = messageOf(err);
            error.hidden = false;
          }
          save.disabled = false;
        }
      },
    },
    h('h2', { id: 'edit-title' }, 'Edit task'),
    h('div', { class: 'field' }, h('label', { for: 'edit-name' }, 'Name'), name, fieldError('edit-name-error')),
    h('div', { class: 'field' }, h('label', { for: 'edit-prompt' }, 'Instruction'), prompt),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'edit-schedule' }, 'Schedule'),
      schedule,
      h('p', { id: 'edit-schedule-help', class: 'hint' }, `Plain English or a cron expression. Now: ${task.schedule ? localClock(task.schedule.description) : 'none (it runs after other tasks)'}.`),
      h('label', { class: 'check' }, noSchedule, ' No schedule: run only after the tasks chosen below'),
      fieldError('edit-schedule-error'),
    ),
    deps.after,
    deps.wait,
    h('div', { class: 'field' }, h('label', { for: 'edit-zone' }, 'Timezone'), zone),
    h('fieldset', { class: 'tools' }, h('legend', null, 'Tools the task may use'), ...tools),
    tellMe.el,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel'), save),
  );
  dialog.append(form);
  await openModal(dialog, name);
  return saved;
}
