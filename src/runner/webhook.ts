// Delivering a notification to a task's webhook: the body signed with the task's secret, sent
// through the same SSRF guard as http_fetch, retried with exponential backoff when a retry can help.
import type { Clock } from '../clock.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signatureHeader } from '../webhooks/verify.ts';
import { type GuardOptions, guardedFetch, HttpRefusedError } from './http/client.ts';
import { truncate } from './text.ts';

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

const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/** POSTs the body, retrying network failures, timeouts, 408/425/429 and 5xx; never throws. */
export async function deliverWebhook(
  req: WebhookRequest,
  env: { http: GuardOptions; clock: Clock; signal: AbortSignal },
  policy: WebhookPolicy = DEFAULT_WEBHOOK_POLICY,
): Promise<DeliveryOutcome> {
  let last: DeliveryOutcome = { status: 'failed', attempts: 0, responseStatus: null, error: null };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await env.clock.sleep(policy.baseDelayMs * 2 ** (attempt - 2), env.signal);
    if (env.signal.aborted) return { ...last, error: 'cancelled before delivery' };
    // Signed when sent, not when queued: a retry carries a fresh timestamp, so the receiver's
    // window bounds how old a replay can be, not how long our retries may take.
    const timestamp = Math.floor(env.clock.now().getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signatureHeader(req.secret, timestamp, req.body),
      'x-tickler-timestamp': String(timestamp),
      [DELIVERY_HEADER]: req.deliveryId,
    };
    try {
      // Redirects are not followed: the signed body is for the configured URL only.
      const res = await guardedFetch(
        { url: req.url, method: 'POST', body: req.body, headers, timeoutMs: policy.timeoutMs, maxRedirects: 0, maxBytes: 64 * 1024, signal: env.signal },
        env.http,
      );
      if (res.status >= 200 && res.status < 300) return { status: 'delivered', attempts: attempt, responseStatus: res.status, error: null };
      last = { status: 'failed', attempts: attempt, responseStatus: res.status, error: `the webhook answered HTTP ${res.status}` };
      if (!retryable(res.status)) return last;
    } catch (err) {
      const message = truncate(err instanceof Error ? err.message : String(err), 300);
      if (err instanceof HttpRefusedError) return { status: 'refused', attempts: attempt, responseStatus: null, error: message };
      last = { status: 'failed', attempts: attempt, responseStatus: null, error: message };
    }
  }
  return last;
}
