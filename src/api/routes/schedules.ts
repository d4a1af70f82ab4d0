import { z } from 'zod';
import { AppError, ServiceUnavailableError } from '../../errors.ts';
import { checkSpec, nextRuns } from '../../scheduler/schedule.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { ParseRequestSchema, ScheduleOut } from '../schemas.ts';
import { scheduleJson } from '../serialize.ts';
import { DEFAULT_TIMEZONE, resolveSchedule } from '../task-input.ts';
import { isValidTimezone } from '../../scheduler/schedule.ts';
import { ValidationError } from '../../errors.ts';

export function scheduleRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/schedules/parse',
      tag: 'schedules',
      summary: 'Read a schedule (and an instruction) from plain English, or check an explicit one, without creating anything',
      access: 'user',
      body: ParseRequestSchema,
      responses: {
        200: {
          description: 'what tickler understood',
          schema: z.object({
            schedule: ScheduleOut,
            nextRuns: z.array(z.string()),
            source: z.enum(['rules', 'llm', 'input']).describe('input: the explicit `schedule` given'),
            task: z.object({ name: z.string(), prompt: z.string() }).optional(),
          }),
        },
        422: { description: 'not understood; `reason` says why' },
        503: { description: 'the LLM needed to read it is unavailable' },
      },
      async handler(ctx, { body }) {
        const timezone = body.timezone ?? DEFAULT_TIMEZONE;
        if (!isValidTimezone(timezone)) throw new ValidationError(`timezone: unknown IANA timezone "${timezone}"`, [{ path: 'timezone', message: `unknown IANA timezone "${timezone}"` }]);
        const now = body.now ? new Date(body.now) : deps.clock.now();
        if (body.schedule && body.schedule.text === undefined) {
          // An explicit form is validated as a create would, so the preview says what saving it would.
          const spec = await resolveSchedule(body.schedule, timezone, { parser: deps.parser, minIntervalSeconds: 0, now });
          ctx.body = { schedule: scheduleJson(spec), nextRuns: nextRuns(spec, now, 5).map((d) => d.toISOString()), source: 'input' };
          return;
        }
        const text = body.text ?? (body.schedule?.text as string);
        const outcome = await deps.parser.parse(text, { timezone, now, signal: ctx.state.signal });
        if (!outcome.ok) {
          if (outcome.status === 503) throw new ServiceUnavailableError(outcome.reason);
          throw new AppError(422, 'schedule_not_understood', outcome.reason, { details: { reason: outcome.reason } });
        }
        const checked = checkSpec(outcome.schedule, { now, rejectPast: true });
        if (!checked.ok) throw new AppError(422, 'schedule_not_understood', checked.error.message, { details: { reason: checked.error.message } });
        ctx.body = {
          schedule: scheduleJson(checked.value),
          nextRuns: nextRuns(checked.value, now, 5).map((d) => d.toISOString()),
          source: outcome.source,
          ...(outcome.task ? { task: outcome.task } : {}),
        };
      },
    }),
  ];
}
