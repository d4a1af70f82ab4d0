import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Task } from '../../models/task.ts';
import type { NewTask } from '../../models/task-store.ts';
import { insertTask } from '../../models/task-store.ts';
import { nextFire, toSpec } from '../../scheduler/schedule.ts';
import { truncate } from '../text.ts';
import { atMost, defineTool, type ToolContext } from './types.ts';

/** Per run, on top of MAX_TASKS_PER_USER: a looping model must not fill the user's quota in one go. */
export const MAX_REMINDERS_PER_RUN = 3;
const COUNTER = 'create_reminder';

const Args = z.object({
  at: z
    .string()
    .refine(...atMost(64))
    .describe("when: a local date-time in the task's timezone (YYYY-MM-DDTHH:mm:ss), or an instant with an offset; must be in the future"),
  message: z.string().refine((s) => s.trim().length > 0, 'must not be empty').refine(...atMost(2000)).describe('what to remind the user of'),
});
type Args = z.infer<typeof Args>;

const reminderPrompt = (message: string) =>
  `Remind the user of the following with the notify tool (title "Reminder"), then answer with the reminder text.\n\n${message}`;

/** The follow-up task: a one-off for the same user, in the same zone, delivered the same way. */
function reminderTask(args: Args, ctx: ToolContext, at: string, nextRunAt: Date): NewTask {
  const { task } = ctx;
  return {
    userId: task.userId,
    name: `Reminder: ${truncate(args.message.trim().replace(/\s+/g, ' '), 60)}`,
    prompt: reminderPrompt(args.message.trim()),
    schedule: { kind: 'once', at },
    timezone: task.timezone,
    enabled: true,
    tools: ['notify'],
    maxAttempts: 3,
    misfirePolicy: 'run_once',
    misfireGraceSeconds: 3600,
    overlap: 'skip',
    pauseAfterFailures: 5,
    startAt: null,
    endAt: null,
    nextRunAt,
    model: task.model,
    // Copied server-side, so the reminder reaches the same webhook; the model never sees either.
    webhookUrl: task.webhook?.url ?? null,
    webhookSecret: task.webhook?.secret ?? null,
    monthlyTokenBudget: null,
  };
}

/** Schedules a one-off follow-up task for the same user, validated like the API's, counted against their limits. */
export const createReminderTool = defineTool({
  name: 'create_reminder',
  description: "Schedule a one-off reminder for the user at a later time. It becomes a task of its own that notifies the user when it fires.",
  parameters: Args,
  sideEffect: () => true,
  dryRun: (args, ctx) => ({ dryRun: true, wouldCreateReminder: { at: args.at, timezone: ctx.task.timezone, message: args.message } }),
  async run(args, ctx) {
    const made = ctx.counters.get(COUNTER) ?? 0;
    if (made >= MAX_REMINDERS_PER_RUN) throw new Error(`at most ${MAX_REMINDERS_PER_RUN} reminders per run`);
    const now = ctx.env.clock.now();
    const spec = toSpec({ at: args.at }, ctx.task.timezone, { now, rejectPast: true });
    if (!spec.ok) throw new Error(`at ${spec.error.message}`);
    if (spec.value.kind !== 'once') throw new Error('at must be a date-time');
    const next = nextFire(spec.value, now);
    if (!next) throw new Error('at is in the past');
    const fields = reminderTask(args, ctx, spec.value.at, next);
    // Taken before the first await: the model's parallel calls in one step run interleaved, and a
    // count read here but written after the insert let all eight of them see room. A reminder that
    // was not created gives its place back.
    ctx.counters.set(COUNTER, made + 1);
    let task: Task;
    try {
      task = await insertTask(ctx.env.db.pool, fields, { maxTasks: ctx.env.config.limits.maxTasksPerUser, now });
    } catch (err) {
      ctx.counters.set(COUNTER, (ctx.counters.get(COUNTER) ?? 1) - 1);
      throw err;
    }
    const local = DateTime.fromJSDate(next, { zone: ctx.task.timezone });
    return { created: true, reminderTaskId: task.id, at: next.toISOString(), localTime: `${local.toFormat('cccc yyyy-LL-dd HH:mm')} ${ctx.task.timezone}` };
  },
});
