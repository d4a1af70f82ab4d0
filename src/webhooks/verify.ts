// tickler's webhook signature scheme, both sides of it: `X-Tickler-Signature: t=<unix seconds>,v1=<hex>`
// where v1 is HMAC-SHA256 over `t + "." + body` with the task's webhook secret. The timestamp is
// signed with the body, so a captured delivery cannot be replayed with a fresh one, and a receiver
// refuses one older than its window. This file needs nothing but node:crypto, so a receiver can
// import it or copy it as it is.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-tickler-signature';
export const DELIVERY_HEADER = 'x-tickler-delivery';
/** Five minutes: wide enough for clock skew and a slow hop, narrow enough to make a replay stale. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The hex v1 signature of one payload at one timestamp. */
export function signPayload(secret: string, timestamp: number, payload: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest('hex');
}

/** The `X-Tickler-Signature` value the sender puts on a delivery signed at `timestamp` (Unix seconds). */
export function signatureHeader(secret: string, timestamp: number, payload: string | Uint8Array): string {
  return `t=${timestamp},v1=${signPayload(secret, timestamp, payload)}`;
}

export interface VerifyWebhookInput {
  /** The raw request body, byte for byte as received: re-serialized JSON does not verify. */
  payload: string | Uint8Array;
  /** The `X-Tickler-Signature` header as received (Node gives a string, or an array if repeated). */
  header: string | readonly string[] | null | undefined;
  /** The task's webhook secret; several while rotating (any one of them may have signed). */
  secret: string | readonly string[];
  /** How far the signed timestamp may be from now, either way. Default 300 (5 minutes). */
  toleranceSeconds?: number;
  /** A Date or epoch milliseconds; default the current time. */
  now?: Date | number;
}

export type VerifyFailure = 'missing_header' | 'malformed_header' | 'no_signature' | 'signature_mismatch' | 'timestamp_outside_tolerance';

export type VerifyWebhookResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure; message: string };

// Far more than a real header (one t, a v1 per secret in rotation): past this, no parsing.
const MAX_HEADER_CHARS = 4096;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function fail(reason: VerifyFailure, message: string): VerifyWebhookResult {
  return { ok: false, reason, message };
}

/**
 * Checks a delivery's signature and age. Never throws for what a sender (or an attacker) can put
 * in the request; throws a TypeError only for a missing secret or a bad tolerance, a bug of the
 * caller's. Every v1 entry is tried against every secret in constant time.
 */
export function verifyWebhook(input: VerifyWebhookInput): VerifyWebhookResult {
  const secrets = (typeof input.secret === 'string' ? [input.secret] : [...input.secret]).filter((s) => typeof s === 'string' && s.length > 0);
  if (secrets.length === 0) throw new TypeError('verifyWebhook: secret must be a non-empty string (the task\'s webhookSecret)');
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('verifyWebhook: toleranceSeconds must be a non-negative number');

  const raw = Array.isArray(input.header) ? input.header.join(',') : (input.header as string | null | undefined);
  if (raw === undefined || raw === null || raw.trim() === '') return fail('missing_header', `no ${SIGNATURE_HEADER} header`);
  if (raw.length > MAX_HEADER_CHARS) return fail('malformed_header', `${SIGNATURE_HEADER} is longer than ${MAX_HEADER_CHARS} characters`);

  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return fail('malformed_header', `${SIGNATURE_HEADER} must carry exactly one t=<unix seconds>`);
      timestamp = Number(value);
    } else if (key === 'v1' && HEX_SHA256.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other keys (a future scheme) and v1 values that are not a SHA-256 digest are not ours to judge.
  }
  if (timestamp === null) return fail('malformed_header', `${SIGNATURE_HEADER} has no t=<unix seconds>`);
  if (signatures.length === 0) return fail('no_signature', `${SIGNATURE_HEADER} has no v1=<hex HMAC-SHA256> signature`);

  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(signPayload(secret, timestamp, input.payload), 'hex');
    // No early exit: the time taken does not tell which entry or secret matched.
    for (const s of signatures) if (timingSafeEqual(s, expected)) matched = true;
  }
  if (!matched) return fail('signature_mismatch', 'no v1 signature matches the payload and secret (is it the raw body, and the current secret?)');

  const nowSeconds = Math.floor((input.now === undefined ? Date.now() : typeof input.now === 'number' ? input.now : input.now.getTime()) / 1000);
  const age = nowSeconds - timestamp;
  if (Math.abs(age) > tolerance) {
    return fail('timestamp_outside_tolerance', `signed ${Math.abs(age)} s ${age >= 0 ? 'ago' : 'in the future'}, outside the ${tolerance} s window (a replay, or a clock off)`);
  }
  return { ok: true, timestamp };
}
