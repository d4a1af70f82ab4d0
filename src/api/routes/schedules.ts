import { AppError, ServiceUnavailableError, ValidationError } from '../../errors.ts';
import { checkSpec, isValidTimezone, nextRuns } from '../../scheduler/schedule.ts';
import { saveReading } from '../../store/schedule-readings.ts';
import { checkTaskQuota } from '../../store/task-quota.ts';
import type { AppDeps } from '../deps.ts';
import { type RouteDef, route } from '../route.ts';
import { ParseOut, ParseRequestSchema } from '../schemas.ts';
import { scheduleJson } from '../serialize.ts';
import { checkNewSchedule, DEFAULT_TIMEZONE, resolveSchedule } from '../task-input.ts';
import { describeBounds, lastRunWithin, runsWithin } from '../../nl-parser/bounds.ts';
import { canonicalLocale, localeFromAcceptLanguage } from '../../nl-parser/locale.ts';

/** The body's locale (422 when it is no locale), else the first of Accept-Language (ignored when unreadable). */
export function requestLocale(given: string | undefined, acceptLanguage: string | undefined): string | undefined {
  if (given !== undefined) {
    const tag = canonicalLocale(given);
    if (!tag) throw new ValidationError(`locale: "${given}" is not a BCP 47 locale such as en-US`, [{ path: 'locale', message: `"${given}" is not a BCP 47 locale such as en-US` }]);
    return tag;
  }
  return localeFromAcceptLanguage(acceptLanguage);
}

export function scheduleRoutes(deps: AppDeps): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/schedules/parse',
      tag: 'schedules',
      summary: 'Read a schedule (and an instruction) from plain English, or check an explicit one, without creating anything',
      access: 'user',
      rateLimit: 'parse',
      body: ParseRequestSchema,
      responses: {
        200: {
          description: 'what tickler understood',
          schema: ParseOut,
        },
        422: { description: 'not understood (`reason` says why), or a create of it would be refused (a limit)' },
        503: { description: 'the LLM needed to read it is unavailable' },
      },
      async handler(ctx, { body, principal }) {
        const timezone = body.timezone ?? DEFAULT_TIMEZONE;
        if (!isValidTimezone(timezone)) throw new ValidationError(`timezone: unknown IANA timezone "${timezone}"`, [{ path: 'timezone', message: `unknown IANA timezone "${timezone}"` }]);
        const now = body.now ? new Date(body.now) : deps.clock.now();
        if (body.schedule && body.schedule.text === undefined) {
          // An explicit form is validated as a create would, so the preview says what saving it would.
          const spec = await resolveSchedule(body.schedule, timezone, { parser: deps.parser, minIntervalSeconds: 0, now, models: deps.config.openai.models });
          ctx.body = { schedule: scheduleJson(spec), nextRuns: nextRuns(spec, now, 5).map((d) => d.toISOString()), source: 'input' };
          return;
        }
        const text = body.text ?? (body.schedule?.text as string);
        const locale = requestLocale(body.locale, ctx.get('accept-language'));
        const outcome = await deps.parser.parse(text, { timezone, now, signal: ctx.state.signal, ...(locale ? { locale } : {}) });
        if (!outcome.ok) {
          if (outcome.status === 503) throw new ServiceUnavailableError(outcome.reason);
          throw new AppError(422, 'schedule_not_understood', outcome.reason, { details: { reason: outcome.reason } });
        }
        const checked = checkSpec(outcome.schedule, { now, rejectPast: true });
        if (!checked.ok) throw new AppError(422, 'schedule_not_understood', checked.error.message, { details: { reason: checked.error.message } });
        // "until June", "3 times": the runs shown are the ones the bounded task will fire.
        const bounds = outcome.bounds ?? null;
        const b = { startAt: bounds?.startAt ? new Date(bounds.startAt) : null, endAt: bounds?.endAt ? new Date(bounds.endAt) : null };
        // Fires stop at the end of year 9999 (src/models/ranges.ts): near it, a schedule may have none left.
        const runs = runsWithin(checked.value, now, b, 5);
        if (runs.length === 0) {
          const reason = 'never fires before the end of year 9999';
          throw new AppError(422, 'schedule_not_understood', reason, { details: { reason } });
        }
        // What create would refuse is said here, beside the reading: the phrase was understood, and
        // the user learns why it cannot be saved before pressing Create.
        let refusal: { type: string; detail: string; limit?: unknown } | null = null;
        try {
          checkNewSchedule(checked.value, { minIntervalSeconds: deps.config.limits.minIntervalSeconds, now }, b);
          await checkTaskQuota(deps.db.pool, principal.userId, deps.config.limits.maxTasksPerUser);
        } catch (err) {
          if (!(err instanceof AppError) || err.status !== 422) throw err;
          refusal = { type: err.code, detail: err.message, ...(err.details?.limit ? { limit: err.details.limit } : {}) };
        }
        const reading = await saveReading(deps.db.pool, principal.userId, { text, spec: checked.value, task: outcome.task ?? null, source: outcome.source, bounds }, deps.clock.now());
        const schedule = scheduleJson(checked.value);
        const notes = outcome.ok && outcome.notes?.length ? outcome.notes : null;
        const lastRun = b.endAt ? lastRunWithin(checked.value, now, { startAt: b.startAt, endAt: b.endAt }) : null;
        const description = `${schedule.description}${notes ? ` (${notes.join('; ')})` : ''}${bounds ? describeBounds(bounds, checked.value.timezone, now, lastRun) : ''}`;
        ctx.body = {
          schedule: { ...schedule, description },
          nextRuns: runs.map((d) => d.toISOString()),
          source: outcome.source,
          ...(outcome.task ? { task: outcome.task } : {}),
          ...(notes ? { notes } : {}),
          ...(bounds ? { bounds } : {}),
          ...(lastRun ? { lastRun: lastRun.toISOString() } : {}),
          parseId: reading.id,
          expiresAt: reading.expiresAt.toISOString(),
          wouldCreate: refusal === null,
          ...(refusal ? { refusal } : {}),
        };
      },
    }),
  ];
}
