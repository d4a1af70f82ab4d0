// One signed POST to a webhook, and the backoff between attempts: the piece every durable sender
// (run webhooks here, the `http` task action) builds on. Recording and scheduling the next attempt
// are the caller's: this sends once and says whether another attempt could help.
import type { Clock } from '../clock.ts';
import { type GuardOptions, guardedFetch, HttpRefusedError } from '../runner/http/client.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signatureHeader } from './verify.ts';

export interface SignedPost {
  url: string;
  secret: string;
  /** The exact bytes sent and signed. */
  body: string;
  /** The same on every attempt, so a receiver can drop duplicates (X-Tickler-Delivery). */
  deliveryId: string;
}

export interface SendEnv {
  http: GuardOptions;
  clock: Clock;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** `retry`: a network failure, a timeout, 408/425/429 or 5xx — worth another attempt later. */
export type AttemptResult =
  | { outcome: 'delivered'; responseStatus: number; error: null }
  | { outcome: 'retry' | 'failed'; responseStatus: number | null; error: string }
  | { outcome: 'refused'; responseStatus: null; error: string };

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The wait before the second attempt; doubled for each one after, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

// Eight attempts over about four minutes (2+4+…+128 s): a receiver down for a deploy is waited for,
// a dead one is given up on soon enough that the record says so.
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 8, baseDelayMs: 2_000, maxDelayMs: 5 * 60_000, timeoutMs: 5_000 });

/** The wait after failed attempt number `attempt` (1-based), with up to 20% jitter taken off so receivers are not hit in step. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(base * (1 - 0.2 * random()));
}

const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;
const MAX_ERROR_CHARS = 300;

/** POSTs `req` once, signed at the clock's now, through the SSRF guard; never throws. */
export async function sendSignedPost(req: SignedPost, env: SendEnv): Promise<AttemptResult> {
  // Signed when sent, not when queued: a retry carries a fresh timestamp, so the receiver's window
  // bounds how old a replay can be, not how long our retries may take.
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
      { url: req.url, method: 'POST', body: req.body, headers, timeoutMs: env.timeoutMs, maxRedirects: 0, maxBytes: 64 * 1024, signal: env.signal },
      env.http,
    );
    if (res.status >= 200 && res.status < 300) return { outcome: 'delivered', responseStatus: res.status, error: null };
    return { outcome: retryable(res.status) ? 'retry' : 'failed', responseStatus: res.status, error: `the webhook answered HTTP ${res.status}` };
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
    if (err instanceof HttpRefusedError) return { outcome: 'refused', responseStatus: null, error: message };
    return { outcome: 'retry', responseStatus: null, error: message };
  }
}
