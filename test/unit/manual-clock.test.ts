import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { ManualClock } from '../support/manual-clock.ts';

describe('the manual clock', () => {
  it('fires due timers in order of their instant as it advances, and no others', async () => {
    const clock = new ManualClock(1_000);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now().getTime()]), 200);
    clock.setTimeout(() => seen.push(['a', clock.now().getTime()]), 100);
    clock.setTimeout(() => seen.push(['c', clock.now().getTime()]), 500);
    await clock.advance(300);
    expect(seen).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ]);
    expect(clock.now().getTime()).toBe(1_300);
    expect(clock.pending).toBe(1);
  });

  it('lets the work a timer starts run before the next timer fires', async () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => {
          seen.push('work of the first');
          clock.setTimeout(() => seen.push('armed by the work'), 10);
        });
    }, 10);
    clock.setTimeout(() => seen.push('second'), 15);
    await clock.advance(100);
    expect(seen).toEqual(['work of the first', 'second', 'armed by the work']);
  });

  it('does not fire a cleared timer', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    const t = clock.setTimeout(() => {
      fired = true;
    }, 10);
    clock.clearTimeout(t);
    await clock.advance(50);
    expect(fired).toBe(false);
  });

  it('fires a timer armed for now without moving', async () => {
    const clock = new ManualClock(5);
    const fired = new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now().getTime()), 0));
    expect(await fired).toBe(5);
  });

  it('ends a sleep when the clock reaches it, or at once when its signal aborts', async () => {
    const clock = new ManualClock(0);
    let woke = false;
    const sleeping = clock.sleep(1_000).then(() => {
      woke = true;
    });
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
    const ctl = new AbortController();
    const aborted = clock.sleep(60_000, ctl.signal);
    ctl.abort();
    await aborted;
    expect(clock.pending).toBe(0);
  });

  it('tells a test when a timer of a given delay is armed, and only from the call on', async () => {
    const clock = new ManualClock(0);
    clock.setTimeout(() => undefined, 250);
    const armed = clock.armed(250);
    let seen = false;
    void armed.then(() => {
      seen = true;
    });
    clock.setTimeout(() => undefined, 100);
    await new Promise((r) => setImmediate(r));
    expect(seen).toBe(false);
    clock.setTimeout(() => undefined, 250);
    await armed;
    await expect(clock.armed(7, 20)).rejects.toThrow('no 7 ms timer armed within 20 ms');
  });
});

describe('the system clock', () => {
  it('unrefs a timer only when asked to', () => {
    const plain = systemClock.setTimeout(() => undefined, 60_000);
    const unref = systemClock.setTimeout(() => undefined, 60_000, { unref: true });
    try {
      expect((plain as unknown as NodeJS.Timeout).hasRef()).toBe(true);
      expect((unref as unknown as NodeJS.Timeout).hasRef()).toBe(false);
    } finally {
      systemClock.clearTimeout(plain);
      systemClock.clearTimeout(unref);
    }
  });
});
