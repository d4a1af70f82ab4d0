import { LATENCY_BUCKETS, type Metrics } from '../metrics.ts';
import type { Engine, FiredEvent } from './engine.ts';
import type { RunResult } from './runner-port.ts';

/** Exposes an engine's fires, runs and in-memory queues on /metrics. */
export function instrumentEngine(engine: Engine, metrics: Metrics): void {
  const fires = metrics.counter('fires_total', 'Executions started by this engine, by trigger.');
  const lateness = metrics.histogram('fire_lateness_seconds', 'Scheduled instant to runner start.', LATENCY_BUCKETS);
  const runs = metrics.counter('runs_total', 'Runs finished by this engine, by outcome.');
  const skipped = metrics.counter('fires_skipped_total', 'Fires skipped because the previous run was still going.');
  const missed = metrics.counter('fires_missed_total', 'Missed fires recorded by this engine (downtime, skip policy).');
  engine.events.on('fired', (f: FiredEvent) => {
    fires.inc({ trigger: f.trigger });
    lateness.observe(Math.max(0, f.latenessMs) / 1000);
  });
  engine.events.on('finished', (e: { result: RunResult }) => runs.inc({ status: e.result.status }));
  engine.events.on('skipped', () => skipped.inc());
  engine.events.on('missed', (n: number) => missed.inc({}, n));
  metrics.gauge('engine_fires_held', 'Claimed fires waiting for their instant.', () => engine.stats().held);
  metrics.gauge('engine_fires_waiting', 'Due fires waiting for a runner slot (RUNNER_CONCURRENCY).', () => engine.stats().waiting);
  metrics.gauge('engine_runs_in_flight', 'Runs in progress.', () => engine.stats().running);
  metrics.gauge('engine_clock_offset_seconds', 'Database clock minus this process clock.', () => engine.stats().clockOffsetMs / 1000);
}
