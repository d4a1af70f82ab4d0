// The advanced path: a name, an instruction and an explicit cron expression (or RRULE) in a chosen zone.
import { ApiError, messageOf } from './api.ts';
import { debounce, fill, h } from './dom.ts';
import { localClock } from './format.ts';
import { runList } from './preview.ts';
import { isRRule, rruleInput } from './rrule-input.ts';
import { actionFields } from './task-action.ts';
import type { Ctx, ParseResult, Task } from './types.ts';
import { COMPOSE_DEFAULTS, resultSwitch } from './tool-words.ts';
import { zoneSelect } from './zones.ts';

export function advancedForm(ctx: Ctx, defaultZone: () => string): HTMLElement {
  const name = h('input', { id: 'adv-name', name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
  const prompt = h('textarea', { id: 'adv-prompt', name: 'prompt', rows: 3, maxlength: 20000 });
  const cron = h('input', { id: 'adv-cron', name: 'cron', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: '0 9 * * 1-5', 'aria-describedby': 'adv-cron-help adv-cron-preview', class: 'mono' });
  const zone = zoneSelect('adv-zone', defaultZone());
  const cronPreview = h('div', { id: 'adv-cron-preview', class: 'cron-preview', 'aria-live': 'polite' });
  const action = actionFields();
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create task');
  let idempotencyKey = crypto.randomUUID();
  let inflight: AbortController | null = null;

  async function describe(): Promise<void> {
    inflight?.abort();
    const expr = cron.value.trim();
    if (!expr) return fill(cronPreview);
    const abort = new AbortController();
    inflight = abort;
    try {
      const body = isRRule(expr) ? { schedule: rruleInput(expr), timezone: zone.value } : { text: expr, timezone: zone.value };
      const r = await ctx.api.post<ParseResult>('/api/schedules/parse', body, { signal: abort.signal });
      fill(cronPreview, h('p', null, h('strong', null, localClock(r.schedule.description))), runList(r.nextRuns.slice(0, 3), zone.value));
    } catch (err) {
      if (abort.signal.aborted) return;
      fill(cronPreview, h('p', { class: 'warn' }, err instanceof ApiError && err.problem.reason ? err.problem.reason : messageOf(err)));
    }
  }
  const tellMe = resultSwitch('adv-notify-result', COMPOSE_DEFAULTS.notifyResult);
  const describeSoon = debounce(300, () => void describe());
  cron.addEventListener('input', describeSoon);
  zone.addEventListener('change', () => void describe());
  for (const field of [name, prompt, cron, tellMe.input, ...action.inputs]) field.addEventListener('input', () => (idempotencyKey = crypto.randomUUID()));

  async function onSubmit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const expr = cron.value.trim();
      const chosen = action.value();
      const body = {
        name: name.value.trim(),
        prompt: prompt.value.trim(),
        schedule: isRRule(expr) ? rruleInput(expr) : { cron: expr },
        timezone: zone.value,
        tools: [...COMPOSE_DEFAULTS.tools],
        notifyResult: tellMe.input.checked,
        ...(chosen ? { action: chosen } : {}),
      };
      const task = await ctx.api.post<Task>('/api/tasks', body, { headers: { 'Idempotency-Key': idempotencyKey } });
      idempotencyKey = crypto.randomUUID();
      // Shown once: the server keeps only its hash.
      ctx.toast(task.workerToken ? `Created “${task.name}”. Worker token (shown once): ${task.workerToken}` : `Created “${task.name}”`);
      ctx.navigate(`#/tasks?new=${task.id}`);
    } catch (err) {
      error.textContent = messageOf(err);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    'details',
    { class: 'advanced card' },
    h('summary', null, 'Advanced: a cron expression or RRULE'),
    h(
      'form',
      { class: 'stack', onsubmit: (e: SubmitEvent) => void onSubmit(e) },
      h('div', { class: 'field' }, h('label', { for: 'adv-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'adv-prompt' }, 'Instruction'), prompt),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'adv-cron' }, 'Cron expression or RRULE'),
        cron,
        h(
          'p',
          { id: 'adv-cron-help', class: 'hint' },
          'minute hour day-of-month month day-of-week, e.g. ',
          h('code', null, '30 8 * * 1-5'),
          ' (6 fields: seconds first; @daily works too), or an RFC 5545 rule such as ',
          h('code', null, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO'),
          '.',
        ),
        cronPreview,
      ),
      h('div', { class: 'field' }, h('label', { for: 'adv-zone' }, 'Timezone'), zone),
      action.element,
      tellMe.el,
      error,
      h('div', { class: 'actions' }, submit),
    ),
  );
}
