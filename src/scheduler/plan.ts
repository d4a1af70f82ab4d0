import type { ExecutionError } from '../models/execution.ts';
import type { StoredSchedule } from '../models/task.ts';
import { nextFire, withZone } from './schedule.ts';

/** A due task as the claimer reads it (only what planning needs). */
export interface DueTask {
  id: string;
  userId: string;
  schedule: StoredSchedule;
  timezone: string;
  nextRunAt: Date;
  startAt: Date | null;
  endAt: Date | null;
  misfirePolicy: 'run_once' | 'skip';
  misfireGraceSeconds: number;
}

export interface PlannedFire {
  scheduledFor: Date;
  trigger: 'schedule' | 'catchup';
  /** `missed` fires are recorded, not run. */
  status: 'queued' | 'missed';
  error?: ExecutionError;
}

export interface TaskPlan {
  fires: PlannedFire[];
  /** Where the task's next_run_at moves to (null: no more fires). */
  nextRunAt: Date | null;
}

export interface PlanOptions {
  /** A fire later than this is a misfire (nothing ran it when due) rather than an ordinary fire. */
  misfireAfterMs: number;
  /** At most this many ordinary fires per task per claim (a 1-second interval in a 5-second window…). */
  maxFiresPerTask: number;
}

const MAX_SCAN = 1000;

/**
 * The latest occurrence at or before `limit`, searching backwards in growing windows so that a
 * per-second schedule missed for a week costs a few steps, not 600,000.
 */
function lastAtOrBefore(step: (d: Date) => Date | null, from: Date, limit: Date): { last: Date | null; count: number | null } {
  // Count exactly when there are few; otherwise only the last one matters.
  let count = 0;
  let last: Date | null = null;
  let cursor: Date | null = from;
  while (cursor && cursor.getTime() <= limit.getTime() && count < MAX_SCAN) {
    last = cursor;
    count++;
    cursor = step(cursor);
  }
  if (!cursor || cursor.getTime() > limit.getTime()) return { last, count };
  for (let w = 1000; w < 400 * 86_400_000; w *= 4) {
    const probe = step(new Date(limit.getTime() - w));
    if (probe && probe.getTime() <= limit.getTime()) {
      let found = probe;
      for (let next = step(found), i = 0; next && next.getTime() <= limit.getTime() && i < MAX_SCAN; next = step(next), i++) {
        found = next;
      }
      return { last: found, count: null };
    }
  }
  return { last, count: null };
}

/**
 * Decides what a claimed task fires now and where its next_run_at moves. Occurrences missed by
 * more than `misfireAfterMs` (downtime) coalesce: one `catchup` run when the latest was missed by
 * less than the grace period under `run_once`, otherwise one `missed` record saying how many.
 * Occurrences inside the look-ahead window become ordinary fires.
 */
export function planTask(t: DueTask, now: Date, horizon: Date, opts: PlanOptions): TaskPlan {
  const spec = withZone(t.schedule, t.timezone);
  const bounds = { startAt: t.startAt, endAt: t.endAt };
  const fires: PlannedFire[] = [];
  let cursor: Date | null = t.nextRunAt;
  const misfireLimit = new Date(now.getTime() - opts.misfireAfterMs);

  if (cursor.getTime() < misfireLimit.getTime()) {
    const { last, count } = lastAtOrBefore((d) => nextFire(spec, d, bounds), cursor, misfireLimit);
    const missedFrom = cursor;
    if (last) {
      const inGrace = now.getTime() - last.getTime() <= t.misfireGraceSeconds * 1000;
      const what = count === null ? 'more than 1000 fires' : count === 1 ? '1 fire' : `${count} fires`;
      if (t.misfirePolicy === 'run_once' && inGrace) {
        fires.push({ scheduledFor: last, trigger: 'catchup', status: 'queued' });
      } else {
        const why = t.misfirePolicy === 'skip' ? 'the misfire policy is skip' : `missed by more than the ${t.misfireGraceSeconds} s grace period`;
        fires.push({
          scheduledFor: last,
          trigger: 'schedule',
          status: 'missed',
          error: {
            type: 'missed',
            message: `missed ${what} from ${missedFrom.toISOString()} to ${last.toISOString()} while no scheduler ran them; not run because ${why}`,
          },
        });
      }
      cursor = nextFire(spec, last, bounds);
    } else {
      cursor = nextFire(spec, misfireLimit, bounds);
    }
  }

  while (cursor && cursor.getTime() <= horizon.getTime() && fires.length < opts.maxFiresPerTask) {
    fires.push({ scheduledFor: cursor, trigger: 'schedule', status: 'queued' });
    cursor = nextFire(spec, cursor, bounds);
  }
  return { fires, nextRunAt: cursor };
}
