// What tickler understood, as a reply under the chat box: the instruction, the schedule in plain
// English, the next runs in the user's zone, who read it — or why it could not, with phrases that work.
import { h } from './dom.ts';
import { absolute, localClock, relative } from './format.ts';
import type { ParseResult } from './types.ts';

/** Phrases the rules read without an LLM (checked in test/browser). */
export const EXAMPLES = [
  'every weekday at 9am, summarize the top Hacker News stories',
  'every monday at 8:30am, remind me to water the plants',
  'on the first of every month at 10am, send me a budget summary',
  'tomorrow at 6pm, remind me to call mom',
];

export type PreviewState =
  | { kind: 'idle' }
  | { kind: 'reading' }
  | { kind: 'ok'; result: ParseResult; text: string; zone: string; creating: boolean; error: string | null }
  | { kind: 'declined'; reason: string }
  | { kind: 'error'; message: string };

export interface PreviewActions {
  create(): void;
  example(text: string): void;
  /** Choices shown above Create (the same element across redraws, so a choice survives them). */
  options?: HTMLElement;
}

export function exampleList(onPick: (text: string) => void, label = 'Try one of these:'): HTMLElement {
  return h(
    'div',
    { class: 'examples' },
    h('p', { class: 'muted' }, label),
    h('ul', { class: 'chips' }, ...EXAMPLES.map((text) => h('li', null, h('button', { type: 'button', class: 'chip', onclick: () => onPick(text) }, text)))),
  );
}

/** The next runs, each as an absolute local time with the relative one beside it. */
export function runList(runs: string[], zone: string): HTMLElement {
  return h(
    'ol',
    { class: 'runs' },
    ...runs.map((iso) => {
      const at = new Date(iso);
      return h('li', null, h('span', { class: 'run-abs' }, absolute(at, zone)), ' ', h('time', { datetime: iso, 'data-relative': '', class: 'muted' }, relative(at)));
    }),
  );
}

function sourcePill(source: 'rules' | 'llm' | 'input'): HTMLElement | null {
  if (source === 'input') return null;
  return source === 'rules'
    ? h('span', { class: 'pill pill-rules', title: 'Read instantly by tickler’s grammar, without a language model' }, 'Read by the rules')
    : h('span', { class: 'pill pill-llm', title: 'The rules were unsure, so a language model read it; its answer was validated' }, 'Read by the LLM');
}

function understood(state: Extract<PreviewState, { kind: 'ok' }>, actions: PreviewActions): HTMLElement {
  const { result, zone } = state;
  const s = result.schedule;
  const task = result.task;
  return h(
    'article',
    { class: 'card reply reply-ok', 'aria-labelledby': 'preview-title' },
    h('header', { class: 'card-head' }, h('h2', { id: 'preview-title' }, 'Here’s what I understood'), sourcePill(result.source)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Task'),
      h(
        'dd',
        null,
        task?.prompt
          ? [
              // The name is taken from the instruction; show it only when it says something more.
              task.name !== task.prompt ? h('strong', { class: 'task-name' }, task.name) : null,
              h('span', { class: 'instruction' }, task.prompt),
            ]
          : h('span', { class: 'warn' }, 'No instruction yet: add what tickler should do, e.g. “…, summarize the news”.'),
      ),
      h('dt', null, 'When'),
      h('dd', { class: 'schedule-description' }, localClock(s.description)),
      h('dt', null, 'Timezone'),
      h('dd', null, s.timezone, s.timezone !== zone ? h('span', { class: 'muted' }, ' (from your text; times below are in ', zone, ')') : null),
    ),
    h('h3', null, result.nextRuns.length > 1 ? `Next ${result.nextRuns.length} runs` : 'Runs once'),
    runList(result.nextRuns, zone),
    // "until June", "3 times": where the bounded task stops.
    result.lastRun ? h('p', { class: 'muted last-run' }, 'Last run: ', absolute(new Date(result.lastRun), zone)) : null,
    // Read, but this server would refuse it (its minimum interval, the task quota): said before Create.
    result.refusal ? h('p', { class: 'error refusal', role: 'alert' }, `Can’t be created here: ${result.refusal.detail}`) : null,
    state.error ? h('p', { class: 'error', role: 'alert' }, state.error) : null,
    actions.options ?? null,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'primary', id: 'confirm-create', disabled: state.creating || !result.wouldCreate, onclick: () => actions.create() },
        state.creating ? 'Creating…' : 'Create task',
      ),
      h('span', { class: 'hint' }, 'or press Ctrl+Enter'),
    ),
  );
}

/** The card for a preview state (empty for idle). */
export function previewCard(state: PreviewState, actions: PreviewActions): HTMLElement | null {
  switch (state.kind) {
    case 'idle':
      return null;
    case 'reading':
      return h('p', { class: 'reading muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Reading…');
    case 'ok':
      return understood(state, actions);
    case 'declined':
      return h(
        'article',
        { class: 'card reply reply-declined', 'aria-labelledby': 'preview-title' },
        h('h2', { id: 'preview-title' }, 'I couldn’t read that'),
        // The parser's reasons are clauses ("the repeat is vague; …"): shown as a sentence.
        h('p', { class: 'reason' }, state.reason.charAt(0).toUpperCase() + state.reason.slice(1)),
        exampleList(actions.example, 'Phrases that work (click to use one):'),
      );
    case 'error':
      return h('article', { class: 'card reply reply-declined' }, h('h2', { id: 'preview-title' }, 'Not available right now'), h('p', { class: 'reason', role: 'alert' }, state.message));
  }
}
