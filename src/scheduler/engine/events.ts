import { EventEmitter } from 'node:events';
import type { ClaimedFire } from '../claim.ts';
import type { TriggerResult } from '../dependencies.ts';
import type { Finish } from '../record.ts';
import type { Takeover } from '../replicas.ts';
import type { RunResult } from '../runner-port.ts';

export interface FiredEvent {
  executionId: string;
  taskId: string;
  scheduledFor: number;
  startedAt: number;
  latenessMs: number;
  trigger: ClaimedFire['trigger'];
}

/** Every event the engine emits, with its payload: listeners and tests are typed against this. */
export interface EngineEvents {
  /** A claim round took these fires into memory (they wait for their instant). */
  claimed: [fires: ClaimedFire[]];
  /** `missed` records a claim round wrote (downtime past the grace period, or the skip policy). */
  missed: [count: number];
  /** A fire handed to the runner. */
  fired: [FiredEvent];
  /** A fire not started: the previous run of its task is still going (overlap: skip), or an earlier fire already waits for its dependencies. */
  skipped: [fire: ClaimedFire];
  /** A scheduled fire waiting for its dependencies (wait.ts). */
  waiting: [fire: ClaimedFire];
  /** A held fire let go: its task was paused, rescheduled or deleted. */
  dropped: [fire: ClaimedFire];
  /** A run returned (its record is written later, in a batch). */
  finished: [{ fire: ClaimedFire; result: RunResult }];
  /** This replica took over what dead replicas held (their runs interrupted and retried, their fires released). */
  takeover: [Takeover];
  /** A batch of finishes written to the database. */
  recorded: [finishes: Finish[]];
  /** Dependents checked after successes were recorded. */
  dependents: [TriggerResult & { checked: string[] }];
  /** One pass of a periodic job (claim poll, lease renewal, sweeps, wait expiry, heartbeat, clock offset) finished. */
  tick: [job: PeriodicJob];
}

export type PeriodicJob = 'claim poll' | 'lease renewal' | 'orphan sweep' | 'dependency sweep' | 'wait expiry' | 'heartbeat' | 'takeover' | 'clock offset';

export type EngineEmitter = EventEmitter<EngineEvents>;

export function createEngineEmitter(): EngineEmitter {
  const events = new EventEmitter<EngineEvents>();
  events.setMaxListeners(100);
  return events;
}
