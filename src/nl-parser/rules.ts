// The deterministic plain-English schedule parser. It reads the common phrases exactly and
// declines everything else with a reason: unsure means "decline, let the LLM try", because a
// wrong schedule is far worse than a question back to the user.
import { checkSpec, isValidTimezone, type ScheduleSpec } from '../scheduler/schedule.ts';
import { buildSpec } from './build.ts';
import { mergeFacts } from './facts.ts';
import { readRawCron } from './raw-cron.ts';
import { ClauseCache, parseSegment } from './segment.ts';
import { splitSchedule } from './split.ts';
import { extractTask } from './task-text.ts';
import { type Token, tokenize } from './tokenize.ts';
import { type Decline, decline, isDecline, type ParseOptions, type RulesOutcome } from './types.ts';

const MAX_LENGTH = 500;
const TRAILING: ReadonlySet<string> = new Set(['.', '!', '?']);


function tokensOf(text: string): Token[] {
  const t = tokenize(text);
  while (t.length && t[t.length - 1]?.kind === 'punct' && TRAILING.has(t[t.length - 1]?.norm ?? '')) t.pop();
  return t;
}

/** Validates with the scheduler's own rules, so what the parser returns is what the API accepts. */
function checked(spec: ScheduleSpec, now: Date): ScheduleSpec | Decline {
  const r = checkSpec(spec, { now });
  if (r.ok) return r.value;
  return decline(/never fires/.test(r.error.message) ? 'impossible' : 'unsupported', r.error.message);
}

function outcome(spec: ScheduleSpec | Decline, task: ReturnType<typeof extractTask>): RulesOutcome {
  if (isDecline(spec)) return spec;
  if (isDecline(task)) return task;
  return task ? { ok: true, schedule: spec, task } : { ok: true, schedule: spec };
}

/** A pasted cron ("0 9 * * 1-5 summarize HN"), with an optional zone or instruction after it. */
function parseRawCron(text: string, opts: ParseOptions): RulesOutcome | null {
  const raw = readRawCron(text);
  if (!raw) return null;
  if (raw.kind === 'invalid') return decline('not_understood', raw.reason);
  const rest = tokensOf(text.slice(raw.restStart));
  let zone = opts.timezone;
  let task: ReturnType<typeof extractTask> = null;
  if (rest.length) {
    const seg = parseSegment(rest, 0, new ClauseCache(rest));
    const zoneFacts = seg.facts.filter((f) => f.f === 'zone');
    if (seg.end === rest.length && !seg.decline && zoneFacts.length === seg.facts.length && zoneFacts.length === 1) {
      zone = zoneFacts[0]?.f === 'zone' ? zoneFacts[0].zone : zone;
    } else {
      task = extractTask(text.slice(raw.restStart), rest, [{ from: 0, to: rest.length, afterSchedule: true, beforeSchedule: false }]);
    }
  }
  const spec: ScheduleSpec = raw.kind === 'cron' ? { kind: 'cron', cron: raw.cron, timezone: zone } : { kind: 'interval', everySeconds: raw.seconds, timezone: zone };
  return outcome(checked(spec, opts.now), task);
}

/** Reads `text` as a schedule (and the instruction around it), or declines with a reason. */
export function parseRules(text: string, opts: ParseOptions): RulesOutcome {
  if (!isValidTimezone(opts.timezone)) return decline('unsupported', `unknown time zone "${opts.timezone}"`);
  if (typeof text !== 'string' || !text.trim()) return decline('not_understood', 'the text is empty');
  if (text.length > MAX_LENGTH) return decline('not_understood', 'the text is too long to be a schedule');
  const raw = parseRawCron(text, opts);
  if (raw) return raw;
  const tokens = tokensOf(text);
  const split = splitSchedule(tokens);
  if (isDecline(split)) return split;
  const task = extractTask(text, tokens, split.pieces);
  if (isDecline(task)) return task;
  const draft = mergeFacts(split.segments.flatMap((s) => s.facts));
  if (isDecline(draft)) return draft;
  const spec = buildSpec(draft, opts);
  return outcome(isDecline(spec) ? spec : checked(spec, opts.now), task);
}
