// The short chaos run (bench/chaos.ts has the long one): three scheduler processes on one PostgreSQL
// fire ~1,500 tasks over ~25 s while replicas are SIGKILLed and PostgreSQL is restarted once. From the
// database and the chat server afterwards: nothing lost, nothing fired or started twice, everything
// terminal, every interrupted run retried.
import { describe, expect, it } from 'vitest';
import { formatChaos, runChaos } from '../../bench/chaos.ts';

describe('chaos: replicas SIGKILLed and PostgreSQL restarted while tasks fire', () => {
  it('loses no fire, fires or starts none twice, and leaves every execution terminal', async () => {
    const report = await runChaos({
      fires: 1500,
      seconds: 25,
      replicas: 3,
      killMin: 5,
      killMax: 8,
      leaseSeconds: 2,
      cronShare: 0.3,
      pgRestart: true,
      pgDownMs: 2000,
      drainSeconds: 45,
      seed: 20261125,
      log: () => undefined,
    });
    const table = formatChaos(report);
    expect(report.kills, table).toBeGreaterThanOrEqual(2);
    expect(report.pgRestarts, table).toBe(1);
    expect(report.lost, table).toBe(0);
    expect(report.notRun, table).toBe(0);
    expect(report.duplicateFires, table).toBe(0);
    expect(report.duplicateStarts, table).toBe(0);
    expect(report.nonTerminal, table).toBe(0);
    expect(report.interruptedNotRetried, table).toBe(0);
  }, 180_000);
});
