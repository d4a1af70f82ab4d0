import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/api/rate-limit.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { AppError } from '../../src/errors.ts';
import { ManualClock } from '../support/manual-clock.ts';

const retryAfter = (fn: () => void): number | null => {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return Number((err as AppError).headers?.['Retry-After']);
  }
};

describe('rate-limit configuration', () => {
  it('has defaults and reads N/s, N/min, N/h, 0 and off', async () => {
    expect(loadConfig({}).rateLimits).toEqual({
      create: { capacity: 60, periodMs: 60_000 },
      edit: { capacity: 120, periodMs: 60_000 },
      runNow: { capacity: 30, periodMs: 60_000 },
      parse: { capacity: 60, periodMs: 60_000 },
    });
    const c = loadConfig({ RATE_LIMIT_CREATE: '5/s', RATE_LIMIT_EDIT: '7 / hour', RATE_LIMIT_RUN_NOW: '0', RATE_LIMIT_PARSE: 'OFF' });
    expect(c.rateLimits).toEqual({ create: { capacity: 5, periodMs: 1_000 }, edit: { capacity: 7, periodMs: 3_600_000 }, runNow: null, parse: null });
  });

  it('refuses a malformed limit, naming the variable', async () => {
    for (const bad of ['10', '10/week', '-1/min', '0/min', 'ten/min']) {
      expect(() => loadConfig({ RATE_LIMIT_RUN_NOW: bad }), bad).toThrow(ConfigError);
      try {
        loadConfig({ RATE_LIMIT_RUN_NOW: bad });
      } catch (err) {
        expect((err as ConfigError).problems[0]).toMatch(/^RATE_LIMIT_RUN_NOW: /);
      }
    }
  });

  it('always allows OPENAI_MODEL among OPENAI_MODELS', async () => {
    expect(loadConfig({}).openai.models).toEqual(['gpt-4o-mini']);
    expect(loadConfig({ OPENAI_MODEL: 'm1', OPENAI_MODELS: ' m2,m3 ,, m1' }).openai.models).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('token buckets', () => {
  const limits = { create: { capacity: 7, periodMs: 60_000 }, edit: null, runNow: { capacity: 1, periodMs: 1_000 }, parse: null };

  it('gives an exact whole-second Retry-After for an uneven refill (7 per minute: one token every 8.57 s)', async () => {
    const clock = new ManualClock(new Date('2026-12-01T12:00:00Z'));
    const rl = createRateLimiter({ limits, clock });
    for (let i = 0; i < 7; i++) expect(retryAfter(() => rl.take('create', 'u'))).toBeNull();
    expect(retryAfter(() => rl.take('create', 'u'))).toBe(9);
    await clock.advance(8_571);
    expect(retryAfter(() => rl.take('create', 'u'))).toBe(1);
    await clock.advance(1);
    expect(retryAfter(() => rl.take('create', 'u'))).toBeNull();
    // A refused take spends nothing: the next token is still 60/7 s after the last one.
    expect(retryAfter(() => rl.take('create', 'u'))).toBe(9);
    expect(retryAfter(() => rl.take('edit', 'u'))).toBeNull();
  });

  it('refills nothing when the clock goes back', async () => {
    const clock = new ManualClock(new Date('2026-12-01T12:00:00Z'));
    const rl = createRateLimiter({ limits, clock });
    rl.take('runNow', 'u');
    clock.rewind(5_000);
    expect(retryAfter(() => rl.take('runNow', 'u'))).toBe(1);
  });

  it('forgets buckets idle for a whole period (they are full again), so memory follows active users', async () => {
    const clock = new ManualClock(new Date('2026-12-01T12:00:00Z'));
    const rl = createRateLimiter({ limits, clock });
    for (let i = 0; i < 10_000; i++) rl.take('create', `user${i}`);
    expect(rl.size()).toBe(10_000);
    await clock.advance(60_000);
    rl.take('create', 'late');
    expect(rl.size()).toBe(1);
  });

  it('never holds more than maxBuckets per action', async () => {
    const clock = new ManualClock(new Date('2026-12-01T12:00:00Z'));
    const rl = createRateLimiter({ limits, clock, maxBuckets: 100 });
    for (let i = 0; i < 1_000; i++) rl.take('create', `user${i}`);
    expect(rl.size()).toBe(100);
    // The newest are kept: the last user is still limited.
    for (let i = 0; i < 6; i++) rl.take('create', 'user999');
    expect(retryAfter(() => rl.take('create', 'user999'))).toBe(9);
  });
});
