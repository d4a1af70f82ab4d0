import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifyWebhook } from '../../src/webhooks/verify.ts';

const secret = 'whsec-unit-test-0123456789';
const payload = '{"type":"notification","deliveryId":"3f0c","notification":{"title":"Hi"}}';
const t = 1_800_000_000;
const now = new Date(t * 1000);
const hmac = (key: string, ts: number, body: string) => createHmac('sha256', key).update(`${ts}.${body}`).digest('hex');

describe('verifyWebhook', () => {
  it('signs timestamp + "." + body with HMAC-SHA256 in a t=…,v1=… header', () => {
    expect(signatureHeader(secret, t, payload)).toBe(`t=${t},v1=${hmac(secret, t, payload)}`);
  });

  it('accepts a delivery it signed, given as a string or as raw bytes', () => {
    const header = signatureHeader(secret, t, payload);
    expect(verifyWebhook({ payload, header, secret, now })).toEqual({ ok: true, timestamp: t });
    expect(verifyWebhook({ payload: Buffer.from(payload), header, secret, now: now.getTime() })).toEqual({ ok: true, timestamp: t });
  });

  it('rejects a changed body, a changed timestamp and the wrong secret', () => {
    const header = signatureHeader(secret, t, payload);
    expect(verifyWebhook({ payload: payload.replace('Hi', 'Ho'), header, secret, now })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhook({ payload, header: header.replace(`t=${t}`, `t=${t + 1}`), secret, now })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhook({ payload, header, secret: 'another-secret-0123456789', now })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    // One hex digit off, same length: still a mismatch.
    const last = header.at(-1) === '0' ? '1' : '0';
    expect(verifyWebhook({ payload, header: header.slice(0, -1) + last, secret, now })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts any of several v1 entries, and any of several secrets, for rotation', () => {
    const old = 'whsec-old-secret-0123456789';
    const both = `t=${t},v1=${hmac(old, t, payload)},v1=${hmac(secret, t, payload)}`;
    expect(verifyWebhook({ payload, header: both, secret, now }).ok).toBe(true);
    expect(verifyWebhook({ payload, header: both, secret: old, now }).ok).toBe(true);
    const oldOnly = signatureHeader(old, t, payload);
    expect(verifyWebhook({ payload, header: oldOnly, secret: [secret, old], now }).ok).toBe(true);
    expect(verifyWebhook({ payload, header: oldOnly, secret, now })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('rejects a timestamp outside the 5-minute window either way, and accepts its edges', () => {
    const at = (offset: number) => verifyWebhook({ payload, header: signatureHeader(secret, t, payload), secret, now: new Date((t + offset) * 1000) });
    expect(at(300).ok).toBe(true);
    expect(at(-300).ok).toBe(true);
    const old = at(301);
    expect(old).toMatchObject({ ok: false, reason: 'timestamp_outside_tolerance' });
    expect(!old.ok && old.message).toContain('301 s ago');
    expect(at(-301)).toMatchObject({ ok: false, reason: 'timestamp_outside_tolerance', message: expect.stringContaining('in the future') });
    expect(verifyWebhook({ payload, header: signatureHeader(secret, t, payload), secret, now: new Date((t + 30) * 1000), toleranceSeconds: 10 }).ok).toBe(false);
  });

  it('names what is wrong with a missing or malformed header', () => {
    const v1 = hmac(secret, t, payload);
    const reason = (header: string | string[] | undefined) => {
      const r = verifyWebhook({ payload, header, secret, now });
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason(undefined)).toBe('missing_header');
    expect(reason('  ')).toBe('missing_header');
    expect(reason(`v1=${v1}`)).toBe('malformed_header');
    expect(reason(`t=abc,v1=${v1}`)).toBe('malformed_header');
    expect(reason(`t=${t},t=${t},v1=${v1}`)).toBe('malformed_header');
    expect(reason(`t=${t}`)).toBe('no_signature');
    expect(reason(`t=${t},v1=not-hex`)).toBe('no_signature');
    expect(reason(`t=${t},v0=abc,v1=${'0'.repeat(64)}`)).toBe('signature_mismatch');
    expect(reason(`t=${t},${'v1=x,'.repeat(2000)}`)).toBe('malformed_header');
    // Entries in a repeated header, and spaces after commas, as proxies write them.
    expect(reason([`t=${t}`, `v1=${v1}`])).toBe('ok');
    expect(reason(`t=${t}, v1=${'0'.repeat(64)}, v1=${v1}`)).toBe('ok');
  });

  it('throws only for a caller bug: no secret, or a bad tolerance', () => {
    const header = signatureHeader(secret, t, payload);
    expect(() => verifyWebhook({ payload, header, secret: '', now })).toThrow(TypeError);
    expect(() => verifyWebhook({ payload, header, secret: [], now })).toThrow(TypeError);
    expect(() => verifyWebhook({ payload, header, secret, now, toleranceSeconds: Number.NaN })).toThrow(TypeError);
  });
});
