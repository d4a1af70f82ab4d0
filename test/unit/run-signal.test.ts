import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { ABORTED, runSignal, untilAborted } from '../../src/runner/signal.ts';
import { ManualClock } from '../support/manual-clock.ts';

describe('runSignal', () => {
  it('fires on the engine signal and says it was not the time limit', () => {
    const engine = new AbortController();
    const run = runSignal(engine.signal, 60_000, systemClock);
    engine.abort();
    expect(run.signal.aborted).toBe(true);
    expect(run.timedOut()).toBe(false);
    run.dispose();
  });

  it('fires on the time limit of its clock and says so', async () => {
    const clock = new ManualClock();
    const run = runSignal(new AbortController().signal, 20, clock);
    await clock.advance(19);
    expect(run.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(run.signal.aborted).toBe(true);
    expect(run.signal.reason).toMatchObject({ name: 'TimeoutError' });
    expect(run.timedOut()).toBe(true);
    run.dispose();
  });

  it('disarms its timer on dispose', () => {
    const clock = new ManualClock();
    const run = runSignal(new AbortController().signal, 20, clock);
    expect(clock.pending).toBe(1);
    run.dispose();
    expect(clock.pending).toBe(0);
  });

  it('starts aborted when the engine signal already is', () => {
    const run = runSignal(AbortSignal.abort(), 60_000, systemClock);
    expect(run.signal.aborted).toBe(true);
    run.dispose();
  });
});

describe('untilAborted', () => {
  it('passes the value through, stops waiting on abort, and observes a late rejection', async () => {
    expect(await untilAborted(Promise.resolve(7), new AbortController().signal)).toBe(7);
    const ctl = new AbortController();
    let rejectLater: (e: Error) => void = () => undefined;
    const pending = untilAborted(new Promise<number>((_, reject) => (rejectLater = reject)), ctl.signal);
    ctl.abort();
    expect(await pending).toBe(ABORTED);
    // Would be an unhandled rejection (a failed test run) if nobody observed it.
    rejectLater(new Error('late'));
    await new Promise((r) => setTimeout(r, 10)); // past the turn an unhandled rejection would be reported in
    await expect(untilAborted(Promise.reject(new Error('boom')), new AbortController().signal)).rejects.toThrow('boom');
    expect(await untilAborted(Promise.reject(new Error('ignored')), AbortSignal.abort())).toBe(ABORTED);
  });
});
