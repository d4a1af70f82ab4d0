// Compose: type a task in plain English, see it understood as you type, confirm to create it.
import { ApiError, messageOf } from './api.ts';
import { advancedForm } from './compose-advanced.ts';
import { debounce, fill, h } from './dom.ts';
import { exampleList, type PreviewState, previewCard } from './preview.ts';
import type { ParseResult, Task, View } from './types.ts';
import { COMPOSE_DEFAULTS, resultSwitch } from './tool-words.ts';
import { zoneSelect } from './zones.ts';

const DEBOUNCE_MS = 300;

export const composeView: View = (ctx, main) => {
  const text = h('textarea', {
    id: 'compose-text',
    name: 'text',
    rows: 3,
    maxlength: 4000,
    autocomplete: 'off',
    placeholder: 'every weekday at 9am, summarize the top Hacker News stories',
    'aria-describedby': 'compose-hint',
  });
  const zone = zoneSelect('compose-zone', ctx.zone());
  const preview = h('div', { id: 'preview', class: 'preview', 'aria-live': 'polite' });
  // On by default here: a task typed in the box is usually something the user wants to hear back from.
  const tellMe = resultSwitch('compose-notify-result', COMPOSE_DEFAULTS.notifyResult);
  const intro = exampleList((t) => useText(t), 'Not sure how to say it? Try:');

  let state: PreviewState = { kind: 'idle' };
  // One key per draft (text + zone): a double click or a retry of the same draft cannot create a
  // twin; a different draft gets a new key (reusing one with another body is refused).
  let keyFor = '';
  let idempotencyKey = '';
  let inflight: AbortController | null = null;

  const draft = () => ({ text: text.value.trim(), zone: zone.value });

  function show(next: PreviewState): void {
    state = next;
    fill(preview, previewCard(state, { create: () => void create(), example: useText, options: tellMe.el }));
    intro.hidden = state.kind !== 'idle' || text.value.trim() !== '';
  }

  /** Reads the current draft; stale answers are aborted, so the last draft typed wins. */
  async function read(): Promise<void> {
    readSoon.cancel();
    inflight?.abort();
    const d = draft();
    if (!d.text) return show({ kind: 'idle' });
    const abort = new AbortController();
    inflight = abort;
    if (state.kind !== 'ok') show({ kind: 'reading' });
    // An earlier answer stays up while the new one comes (no flicker), marked as being updated.
    preview.setAttribute('aria-busy', 'true');
    try {
      const result = await ctx.api.post<ParseResult>('/api/schedules/parse', { text: d.text, timezone: d.zone }, { signal: abort.signal });
      show({ kind: 'ok', result, ...d, creating: false, error: null });
    } catch (err) {
      if (abort.signal.aborted) return;
      if (err instanceof ApiError && err.status === 422 && err.problem.reason) show({ kind: 'declined', reason: err.problem.reason });
      else show({ kind: 'error', message: messageOf(err) });
    } finally {
      if (inflight === abort) {
        inflight = null;
        preview.removeAttribute('aria-busy');
      }
    }
  }
  const readSoon = debounce(DEBOUNCE_MS, () => void read());

  /** Creates exactly what the preview shows; reads first when the preview is behind the text. */
  async function create(): Promise<void> {
    const d = draft();
    const current = (s: PreviewState) => s.kind === 'ok' && s.text === d.text && s.zone === d.zone;
    if (!current(state) || inflight) await read();
    const shown = state;
    if (shown.kind !== 'ok' || !current(shown) || shown.creating) return;
    // One key per reading: a retry of the same create is answered with the first task.
    if (keyFor !== (shown.result.parseId ?? d.text)) {
      keyFor = shown.result.parseId ?? d.text;
      idempotencyKey = crypto.randomUUID();
    }
    show({ ...shown, creating: true, error: null });
    try {
      // The reading shown is the one saved (parseId): the text is not read again, so an LLM reading
      // cannot change between the preview and the task.
      const task = await ctx.api.post<Task>('/api/tasks', { text: d.text, parseId: shown.result.parseId, timezone: d.zone, tools: [...COMPOSE_DEFAULTS.tools], notifyResult: tellMe.input.checked }, { headers: { 'Idempotency-Key': idempotencyKey } });
      keyFor = '';
      text.value = '';
      show({ kind: 'idle' });
      ctx.toast(`Created “${task.name}”`);
      ctx.navigate(`#/tasks?new=${task.id}`);
    } catch (err) {
      // Left open past its hour: read the text again and show that; the user confirms it anew.
      if (err instanceof ApiError && err.status === 410) {
        keyFor = '';
        return void (await read());
      }
      show({ ...shown, creating: false, error: messageOf(err) });
    }
  }

  function useText(t: string): void {
    text.value = t;
    text.focus();
    void read();
  }

  text.addEventListener('input', () => {
    intro.hidden = text.value.trim() !== '';
    readSoon();
  });
  text.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    void (e.ctrlKey || e.metaKey ? create() : read());
  });
  zone.addEventListener('change', () => {
    ctx.setZone(zone.value);
    void read();
  });

  const form = h(
    'form',
    {
      class: 'compose-form',
      onsubmit: (e: SubmitEvent) => {
        e.preventDefault();
        void read();
      },
    },
    h('label', { for: 'compose-text', class: 'compose-label' }, 'Describe the task and when to run it'),
    h('div', { class: 'chatbox' }, text, h('button', { type: 'submit', class: 'send' }, 'Preview')),
    h('p', { id: 'compose-hint', class: 'hint' }, 'Enter shows what tickler understood · Ctrl+Enter creates the task · Shift+Enter starts a new line. A cron expression works too.'),
    h('div', { class: 'field-inline' }, h('label', { for: 'compose-zone' }, 'Timezone'), zone),
  );

  fill(
    main,
    h(
      'section',
      { class: 'view compose', 'aria-labelledby': 'view-title' },
      h('h1', { id: 'view-title', tabindex: -1 }, 'What should tickler do, and when?'),
      form,
      intro,
      preview,
      advancedForm(ctx, () => zone.value),
    ),
  );
  return () => {
    readSoon.cancel();
    inflight?.abort();
  };
};
