// What each tool lets a task do, in words for the person choosing (the model reads its own, longer
// descriptions in src/runner/tools). Typed against the runner's list, so a new tool needs a line here.
import type { ToolName } from '../runner/tools/names.ts';
import { h } from './dom.ts';

export const TOOL_WORDS: Record<ToolName, string> = {
  notify: 'Sends you a message in the Inbox (and to the task’s webhook, if it has one).',
  http_fetch: 'Reads a public web page or API (no private or local addresses).',
  memory_get: 'Reads something an earlier run of this task saved.',
  memory_set: 'Saves a short note for the next runs of this task.',
  create_reminder: 'Schedules a one-off reminder for you, as a task of its own.',
};

export const toolWords = (name: string): string => TOOL_WORDS[name as ToolName] ?? '';

/** The compose box's defaults: a task made there can reach you, and tells you how each run went. */
export const COMPOSE_DEFAULTS = { tools: ['notify'], notifyResult: true } as const;

/** "Tell me the result": a switch (a checkbox with the switch role), labelled and explained. */
export function resultSwitch(id: string, checked: boolean): { el: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { id, type: 'checkbox', role: 'switch', checked, 'aria-describedby': `${id}-help` });
  const el = h(
    'div',
    { class: 'field result-switch' },
    h('label', { class: 'check', for: id }, input, ' Tell me the result'),
    h('p', { id: `${id}-help`, class: 'hint' }, 'Each finished run puts its result (or why it failed) in your Inbox.'),
  );
  return { el, input };
}
