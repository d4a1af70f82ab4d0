// Duplicating a task: a new task with the same instruction, schedule, zone, tools and settings,
// named "Copy of …". The schedule goes back in the form it is stored in, so the copy fires at the
// same times without being read again.
import type { Schedule, Task } from './types.ts';

/** The stored schedule as a create body's `schedule`. */
export function scheduleInput(s: Schedule): Record<string, unknown> {
  switch (s.kind) {
    case 'cron':
      return { cron: s.cron };
    case 'interval':
      return { every: s.everySeconds };
    case 'once':
      return { at: s.at };
    case 'rrule':
      return s.dtstart ? { rrule: s.rrule, dtstart: s.dtstart } : { rrule: s.rrule };
  }
}

/** The create body for a copy of `task`; names are cut so that "Copy of " still fits. */
export function duplicateBody(task: Task): Record<string, unknown> {
  return {
    name: `Copy of ${task.name}`.slice(0, 200),
    prompt: task.prompt,
    description: task.description,
    schedule: task.schedule ? scheduleInput(task.schedule) : null,
    timezone: task.timezone,
    tools: task.tools,
    maxAttempts: task.maxAttempts,
    misfire: task.misfire,
    overlap: task.overlap,
    startAt: task.startAt,
    endAt: task.endAt,
    pauseAfterFailures: task.pauseAfterFailures,
    model: task.model,
    monthlyTokenBudget: task.monthlyTokenBudget,
    after: task.after,
    waitSeconds: task.waitSeconds,
    notifyResult: task.notifyResult,
  };
}
