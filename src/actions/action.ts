// What a fire of a task does: `llm` runs the tool loop (the default), `amqp` hands the fire to a
// broker through the outbox, `http` POSTs a signed body to a URL.
import { z } from 'zod';

const payload = z.record(z.string(), z.unknown()).describe("the task's payload, sent with every fire");

export const ActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('llm') }).strict(),
  z
    .object({
      kind: z.literal('amqp'),
      exchange: z.string().min(1).max(255).describe('must exist on the broker unless declare is true'),
      routingKey: z.string().max(255),
      headers: z.record(z.string().max(255), z.string().max(4096)).optional(),
      payload: payload.optional(),
      declare: z.boolean().optional().describe('declare the exchange (durable, topic) if it does not exist'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('http'),
      url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000),
      secret: z.string().min(16).max(256).describe('signs each body (X-Tickler-Signature); write-only, never returned'),
      payload: payload.optional(),
    })
    .strict(),
]);
export type TaskAction = z.infer<typeof ActionSchema>;

/** The action as responses show it: an http action's secret is left out. */
export const ActionOut = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('llm') }),
  z.object({
    kind: z.literal('amqp'),
    exchange: z.string(),
    routingKey: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    payload: z.record(z.string(), z.unknown()).optional(),
    declare: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('http'), url: z.string(), payload: z.record(z.string(), z.unknown()).optional() }),
]);

export const LLM_ACTION: TaskAction = Object.freeze({ kind: 'llm' });

/** The action as a client sees it: the http secret never leaves the server. */
export function actionJson(a: TaskAction | null | undefined): Record<string, unknown> {
  if (!a || a.kind === 'llm') return { kind: 'llm' };
  if (a.kind === 'http') {
    const { secret: _secret, ...rest } = a;
    return rest;
  }
  return { ...a };
}

/** The message body a worker receives (amqp) or the URL is sent (http). */
export function fireBody(a: TaskAction, x: { id: string; taskId: string; scheduledFor: Date; attempt: number }) {
  return {
    taskId: x.taskId,
    executionId: x.id,
    scheduledFor: x.scheduledFor.toISOString(),
    attempt: x.attempt,
    payload: a.kind === 'llm' ? null : (a.payload ?? null),
  };
}
