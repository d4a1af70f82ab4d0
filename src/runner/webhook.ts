// Delivering a notification to a task's webhook: the body signed with the task's secret, sent
// through the same SSRF guard as http_fetch, retried with exponential backoff when a retry can help.
import type { Clock } from '../clock.ts';
import { sendSignedPost } from '../webhooks/send.ts';
import type { GuardOptions } from './http/client.ts';

export interface WebhookPolicy {
  attempts: number;
  /** The wait before the second attempt; doubled for each one after. */
  baseDelayMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

// Three attempts within about ten seconds at worst: a run waits for its notify call to finish.
export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = Object.freeze({ attempts: 3, baseDelayMs: 500, timeoutMs: 4_000 });

export interface WebhookRequest {
  url: string;
  secret: string;
  /** The exact bytes sent and signed. */
  body: string;
  /** Unique to this delivery and the same on every attempt, so a receiver can drop duplicates. */
  deliveryId: string;
}

export interface DeliveryOutcome {
  status: 'delivered' | 'failed' | 'refused';
  attempts: number;
  responseStatus: number | null;
  error: string | null;
}

/** POSTs the body (one signed attempt each: src/webhooks/send.ts), retrying when a retry can help; never throws. */
export async function deliverWebhook(
  req: WebhookRequest,
  env: { http: GuardOptions; clock: Clock; signal: AbortSignal },
  policy: WebhookPolicy = DEFAULT_WEBHOOK_POLICY,
): Promise<DeliveryOutcome> {
  let last: DeliveryOutcome = { status: 'failed', attempts: 0, responseStatus: null, error: null };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await env.clock.sleep(policy.baseDelayMs * 2 ** (attempt - 2), env.signal);
    if (env.signal.aborted) return { ...last, error: 'cancelled before delivery' };
    const r = await sendSignedPost(req, { ...env, timeoutMs: policy.timeoutMs });
    if (r.outcome === 'delivered' || r.outcome === 'refused') return { status: r.outcome, attempts: attempt, responseStatus: r.responseStatus, error: r.error };
    last = { status: 'failed', attempts: attempt, responseStatus: r.responseStatus, error: r.error };
    if (r.outcome === 'failed') return last;
  }
  return last;
}
