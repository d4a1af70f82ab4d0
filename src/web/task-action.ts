// What a fire of a task does (LLM, RabbitMQ or a URL): the line on its card, and the fields of
// Create's Advanced section that choose it.
import { h } from './dom.ts';
import type { Task } from './types.ts';

const LABELS = { llm: 'LLM', amqp: 'RabbitMQ', http: 'URL' } as const;

/** "Action: RabbitMQ · exchange tickler.fires, routing key fire.daily", or the URL it POSTs to. */
export function actionLine(task: Task): HTMLElement {
  const a = task.action;
  const detail = a.kind === 'amqp' ? ` · exchange ${a.exchange}, routing key ${a.routingKey || '(empty)'}` : a.kind === 'http' ? ` · POST ${a.url}` : ' · runs the instruction';
  return h('p', { class: 'task-action', 'data-action': a.kind }, h('span', { class: 'label' }, 'Action: '), LABELS[a.kind], h('span', { class: 'muted' }, detail));
}

export interface ActionFields {
  element: HTMLElement;
  /** The action to send, or undefined for the default (LLM). */
  value(): Record<string, unknown> | undefined;
  /** Fields whose edits make a new request (a fresh Idempotency-Key). */
  inputs: HTMLElement[];
}

/** A choice of LLM / RabbitMQ / URL with the fields each needs; only the chosen one's are shown. */
export function actionFields(): ActionFields {
  const kind = h(
    'select',
    { id: 'adv-action', name: 'action' },
    h('option', { value: 'llm' }, 'LLM: run the instruction'),
    h('option', { value: 'amqp' }, 'RabbitMQ: publish a message for your workers'),
    h('option', { value: 'http' }, 'URL: POST a signed JSON body'),
  );
  const exchange = h('input', { id: 'adv-exchange', name: 'exchange', autocomplete: 'off', spellcheck: 'false', class: 'mono', maxlength: 255 });
  const routingKey = h('input', { id: 'adv-routing-key', name: 'routingKey', autocomplete: 'off', spellcheck: 'false', class: 'mono', maxlength: 255 });
  const url = h('input', { id: 'adv-url', name: 'url', type: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://example.com/hook', maxlength: 2000 });
  const secret = h('input', { id: 'adv-secret', name: 'secret', type: 'password', autocomplete: 'off', minlength: 16, maxlength: 256 });
  const amqpBox = h(
    'div',
    { class: 'stack', hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'adv-exchange' }, 'Exchange'), exchange),
    h('div', { class: 'field' }, h('label', { for: 'adv-routing-key' }, 'Routing key'), routingKey),
  );
  const httpBox = h(
    'div',
    { class: 'stack', hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'adv-url' }, 'URL'), url),
    h('div', { class: 'field' }, h('label', { for: 'adv-secret' }, 'Signing secret'), secret, h('p', { class: 'hint' }, 'at least 16 characters; signs every body (X-Tickler-Signature)')),
  );
  const sync = () => {
    amqpBox.hidden = kind.value !== 'amqp';
    httpBox.hidden = kind.value !== 'http';
    exchange.required = kind.value === 'amqp';
    url.required = kind.value === 'http';
    secret.required = kind.value === 'http';
  };
  kind.addEventListener('change', sync);
  return {
    element: h('div', { class: 'field' }, h('label', { for: 'adv-action' }, 'Action'), kind, amqpBox, httpBox),
    inputs: [kind, exchange, routingKey, url, secret],
    value() {
      if (kind.value === 'amqp') return { kind: 'amqp', exchange: exchange.value.trim(), routingKey: routingKey.value.trim() };
      if (kind.value === 'http') return { kind: 'http', url: url.value.trim(), secret: secret.value };
      return undefined;
    },
  };
}
