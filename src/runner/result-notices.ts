// "Tell me the result": once the engine has recorded a batch of finishes, the final ones (a success,
// or a failure with no retry to come) of tasks with notifyResult on are written to their owners'
// inboxes. After the commit, not inside it: a failing insert here costs one notification, never the
// record of the finish. A crash between the two loses the notification (the run is still recorded).
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Finish } from '../scheduler/record.ts';
import { insertResultNotifications } from '../store/notifications.ts';

export interface ResultNoticeEvents {
  /** A batch was handled: the executions it held (final or not) and how many notifications were written. */
  delivered: [{ executionIds: string[]; written: number }];
}

export interface ResultNotices {
  /** Give it each batch the engine recorded (its `recorded` event). Never rejects. */
  record(finishes: readonly Finish[]): Promise<void>;
  events: EventEmitter<ResultNoticeEvents>;
}

/** A retried failure is not the result yet: the last attempt's finish is. */
const isFinal = (f: Finish) => f.status === 'succeeded' || (f.status === 'failed' && f.retryAt == null);

export function createResultNotices(deps: { pool: pg.Pool; clock: Clock; logger: Logger }): ResultNotices {
  const events = new EventEmitter<ResultNoticeEvents>();
  return {
    events,
    async record(finishes) {
      const final = finishes.filter(isFinal).map((f) => f.id);
      let written = 0;
      try {
        written = await insertResultNotifications(deps.pool, final, deps.clock.now());
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message, executions: final.length }, 'result notifications were not written');
      }
      events.emit('delivered', { executionIds: finishes.map((f) => f.id), written });
    },
  };
}
