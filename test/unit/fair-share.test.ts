import { describe, expect, it } from 'vitest';
import { fairShare } from '../../src/scheduler/engine/sharing.ts';

const replicas = (...free: number[]) => free.map((f, i) => ({ id: `r${i}`, free: f }));

describe('fair share of a burst', () => {
  it('is unbounded for a replica alone', () => {
    expect(fairShare({ total: 10_000, mine: 0, selfId: 'r0', selfFree: 500, replicas: replicas(500) })).toBe(Number.POSITIVE_INFINITY);
  });

  it('is ceil(due / live) × 1.2 among equal replicas, less what the replica already holds', () => {
    expect(fairShare({ total: 300, mine: 0, selfId: 'r0', selfFree: 500, replicas: replicas(500, 500, 500) })).toBe(120);
    expect(fairShare({ total: 10_000, mine: 1000, selfId: 'r1', selfFree: 500, replicas: replicas(500, 500) })).toBe(5000);
    expect(fairShare({ total: 300, mine: 200, selfId: 'r0', selfFree: 500, replicas: replicas(500, 500, 500) })).toBe(0);
  });

  it('weighs replicas by their free runner slots, using its own count rather than its last heartbeat', () => {
    expect(fairShare({ total: 300, mine: 0, selfId: 'r1', selfFree: 200, replicas: replicas(600, 0) })).toBe(90);
    expect(fairShare({ total: 300, mine: 0, selfId: 'r0', selfFree: 600, replicas: replicas(0, 200) })).toBe(270);
    // A replica with no slot free leaves the burst to the others…
    expect(fairShare({ total: 300, mine: 0, selfId: 'r0', selfFree: 0, replicas: replicas(0, 200) })).toBe(0);
    // …unless every replica is full: then they split it evenly.
    expect(fairShare({ total: 300, mine: 0, selfId: 'r0', selfFree: 0, replicas: replicas(0, 0, 0) })).toBe(120);
  });
});
