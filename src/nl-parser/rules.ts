// The deterministic plain-English schedule parser. It reads the common phrases exactly and
// declines everything else with a reason: unsure means "decline, let the LLM try", because a
// wrong schedule is far worse than a question back to the user.
import { IANAZone } from 'luxon';
import { checkSpec, type ScheduleSpec } from '../scheduler/schedule.ts';
import { readBounded } from './bounds.ts';
import { buildSpec } from './build.ts';
import { mergeFacts } from './facts.ts';
import { readRawCron } from './raw-cron.ts';
import { ClauseCache, parseSegment } from './segment.ts';
import { type Split, splitCandidates } from './split.ts';
import { extractTask, mentionedWeekdays, mentionsRepeat, mentionsWeekday } from './task-text.ts';
import { type Token, tokenize } from './tokenize.ts';
import { type Decline, decline, isDecline, type ParsedTask, type ParseOptions, type RulesOutcome } from './types.ts';

const MAX_LENGTH = 500;
const TRAILING: ReadonlySet<string> = new Set(['.', '!', '?']);

function tokensOf(text: string): Token[] {
  const t = tokenize(text);
  while (t.length && t[t.length - 1]?.kind === 'punct' && TRAILING.has(t[t.length - 1]?.norm ?? '')) t.pop();
  return t;
}

/** A number that could be an hour of the day: "7", "19" (not "101", not "2.5"). */
const couldBeHour = (tok: Token | undefined) => tok?.kind === 'num' && tok.norm.length <= 2 && tok.value <= 23;

/** Validates with the scheduler's own rules, so what the parser returns is what the API accepts. */
function checked(spec: ScheduleSpec, now: Date): ScheduleSpec | Decline {
  const r = checkSpec(spec, { now });
  if (r.ok) return r.value;
  return decline(/never fires/.test(r.error.message) ? 'impossible' : 'unsupported', r.error.message);
}

function outcome(spec: ScheduleSpec | Decline, task: ParsedTask | null, notes: readonly string[] = []): RulesOutcome {
  if (isDecline(spec)) return spec;
  return { ok: true, schedule: spec, ...(task ? { task } : {}), ...(notes.length ? { notes: [...notes] } : {}) };
}

/** "read "wednsday" as Wednesday" for each name corrected inside the schedule part. */
function typoNotes(tokens: readonly Token[], split: Split): string[] {
  const out: string[] = [];
  for (const seg of split.segments) {
    for (let i = seg.start; i < seg.end; i++) {
      const tok = tokens[i];
      if (tok?.typo) out.push(`read "${tok.typo}" as ${tok.norm.charAt(0).toUpperCase()}${tok.norm.slice(1)}`);
    }
  }
  return out;
}

/** A pasted cron ("0 9 * * 1-5 summarize HN"), with an optional zone or instruction after it. */
function parseRawCron(text: string, opts: ParseOptions): RulesOutcome | null {
  const raw = readRawCron(text);
  if (!raw) return null;
  if (raw.kind === 'invalid') return decline('not_understood', raw.reason);
  const restText = text.slice(raw.restStart);
  const rest = tokensOf(restText);
  let zone = opts.timezone;
  let task: ParsedTask | null = null;
  if (rest.length) {
    const cache = new ClauseCache(rest);
    const seg = parseSegment(rest, 0, cache);
    const [only] = seg.facts;
    if (seg.end === rest.length && !seg.decline && seg.facts.length === 1 && only?.f === 'zone') zone = only.zone;
    else {
      const t = extractTask(restText, rest, [{ from: 0, to: rest.length, afterSchedule: true, beforeSchedule: false }], (i) => cache.at(i, false));
      if (isDecline(t)) return t;
      task = t;
    }
  }
  const spec: ScheduleSpec = raw.kind === 'cron' ? { kind: 'cron', cron: raw.cron, timezone: zone } : { kind: 'interval', everySeconds: raw.seconds, timezone: zone };
  return outcome(checked(spec, opts.now), task);
}

/** The first split whose instruction is clean, with its task; else the first problem found. */
function chooseSplit(text: string, tokens: Token[], cache: ClauseCache): { split: Split; task: ParsedTask | null } | Decline {
  const splits = splitCandidates(tokens, cache);
  const tasks: (ParsedTask | Decline | null | undefined)[] = [];
  const taskOf = (k: number) => {
    let task = tasks[k];
    if (task === undefined) {
      task = extractTask(text, tokens, splits[k]?.pieces ?? [], (i) => cache.at(i, false));
      tasks[k] = task;
    }
    return task;
  };
  // A clean reading wins ("remind me to eat lunch every day at noon": "lunch" is not a time);
  // else a reading whose schedule part refuses ("summarize news for 2 weeks": a bounded repeat).
  for (const [k, split] of splits.entries()) {
    const task = split.decline ? undefined : taskOf(k);
    if (task !== undefined && !isDecline(task)) return { split, task };
  }
  for (const [k, split] of splits.entries()) if (split.decline && !isDecline(taskOf(k))) return split.decline;
  const first = splits[0];
  if (!first) return decline('not_understood', 'no schedule found (say when, e.g. "every weekday at 9am" or "tomorrow at 3pm")');
  const task = taskOf(0);
  return first.decline ?? (isDecline(task) ? task : decline('ambiguous', 'part of the schedule was not understood'));
}

/** Reads `text` as a schedule (and the instruction around it), or declines with a reason. */
export function parseRules(text: string, opts: ParseOptions): RulesOutcome {
  if (typeof opts.timezone !== 'string' || !IANAZone.create(opts.timezone).isValid) return decline('unsupported', `unknown time zone "${opts.timezone}"`);
  if (typeof text !== 'string' || !text.trim()) return decline('not_understood', 'the text is empty');
  if (text.length > MAX_LENGTH) return decline('not_understood', 'the text is too long to be a schedule');
  // "every day at 9 until June": the bound is cut off and the rest read without it.
  const bounded = readBounded(text, opts.now, opts.locale, (rest) => parseUnbounded(rest, opts));
  if (!bounded || bounded.ok) return bounded ?? parseUnbounded(text, opts);
  // The grammar may read the words itself ("from 9 until 5" is a window): a refused bound keeps them.
  const whole = parseUnbounded(text, opts);
  return whole.ok ? whole : bounded;
}

function parseUnbounded(text: string, opts: ParseOptions): RulesOutcome {
  const raw = parseRawCron(text, opts);
  if (raw) return raw;
  const tokens = tokensOf(text);
  const cache = new ClauseCache(tokens);
  const chosen = chooseSplit(text, tokens, cache);
  if (isDecline(chosen)) return chosen;
  const draft = mergeFacts(chosen.split.segments.flatMap((s) => s.facts));
  if (isDecline(draft)) return draft;
  const notes = typoNotes(tokens, chosen.split);
  const spec = buildSpec(draft, opts, notes, { instruction: chosen.task !== null });
  // "run the nightly build at 2am": a lone time reads as once, but the instruction speaks of a repeat.
  const loneTime = !draft.day && !draft.date && !draft.offset && draft.instant === null;
  if (!isDecline(spec) && spec.kind === 'once' && loneTime && chosen.task && mentionsRepeat(tokens, chosen.split.pieces)) {
    const every = draft.dom ? 'every month on the …' : 'every day at …';
    return decline('ambiguous', `once, or a repeat? the instruction speaks of one; say "${every}" or "tomorrow at …"`);
  }
  // "monday meeting at 10", "send the friday newsletter every week": the day is in the instruction,
  // and a lone time or a week anchored on today would ignore it.
  const weekAnchored = notes.some((n) => n.includes("today's weekday"));
  if (!isDecline(spec) && chosen.task && (weekAnchored || (spec.kind === 'once' && loneTime && !draft.weekdays && !draft.dom)) && mentionsWeekday(tokens, chosen.split.pieces)) {
    return decline('ambiguous', 'the instruction names a day the schedule does not; say e.g. "every friday at 9am" or "on monday at 10"');
  }
  // "set an alarm for 7 tomorrow": a number that ends the instruction right before a schedule with
  // no time of day is most likely the time the grammar did not read; a default time would be wrong.
  if (!isDecline(spec) && chosen.task && draft.times.length === 0 && !draft.offset && !draft.period && chosen.split.pieces.some((p) => p.beforeSchedule && couldBeHour(tokens[p.to - 1]))) {
    return decline('ambiguous', 'is the number before the day the time? say e.g. "tomorrow at 7am"');
  }
  // "every day besides monday" read as "every day" with the task "besides monday": text after the
  // schedule naming a day it does not run on may be a part of the schedule we did not read
  // ("check the monday report every day at 9" names the day before it, as a noun).
  const scheduled = new Set([...(draft.weekdays ?? []), ...(draft.nth ?? []).map((n) => n.dow)]);
  if (!isDecline(spec) && chosen.task && mentionedWeekdays(tokens, chosen.split.pieces, true).some((d) => !scheduled.has(d))) {
    return decline('ambiguous', 'the instruction names a day the schedule does not; say e.g. "every friday at 9am" or "on monday at 10"');
  }
  return outcome(isDecline(spec) ? spec : checked(spec, opts.now), chosen.task, notes);
}
