import type { Logger } from '../log.ts';
import type { Llm } from '../llm/client.ts';
import { editWithLlm } from './edit-llm.ts';
import { readEditRules } from './edit-rules.ts';
import { parseWithLlm } from './llm.ts';
import { type EditOutcome, NOT_UNDERSTOOD, type ParseContext, type ParseOutcome, type ScheduleParser } from './parser.ts';
import { parseRules } from './rules.ts';
import type { DeclineKind } from './types.ts';

export interface ParserDeps {
  llm: Llm;
  logger: Logger;
}

// The rules decline in two ways. Sure declines (the phrase was read and is impossible, in the past or
// self-contradictory) are final: the LLM would only spend a round trip to say the same. Unsure
// declines (unknown words, vague or unsupported wording) are what the LLM is for.
const FINAL: ReadonlySet<DeclineKind> = new Set(['impossible', 'past', 'contradictory']);

/** Rules first (instant, offline, free); the LLM for what they cannot read. */
export function createParser(deps: ParserDeps): ScheduleParser & { stats: { rules: number; llm: number; declined: number } } {
  const stats = { rules: 0, llm: 0, declined: 0 };
  return {
    stats,
    async parse(text: string, ctx: ParseContext): Promise<ParseOutcome> {
      const rules = parseRules(text, { timezone: ctx.timezone, now: ctx.now, ...(ctx.locale ? { locale: ctx.locale } : {}) });
      if (rules.ok) {
        stats.rules++;
        return { ok: true, schedule: rules.schedule, ...(rules.task ? { task: rules.task } : {}), ...(rules.notes ? { notes: rules.notes } : {}), ...(rules.bounds ? { bounds: rules.bounds } : {}), source: 'rules' };
      }
      if (FINAL.has(rules.kind)) {
        stats.declined++;
        return { ok: false, reason: rules.reason, status: 422 };
      }
      if (!deps.llm.configured) {
        stats.declined++;
        // Without an LLM, the rules' own reason is the best answer when they had one; either way the
        // user learns that a language model would have been asked, were one configured.
        const reason = rules.kind === 'not_understood' ? NOT_UNDERSTOOD : `${rules.reason}. ${NOT_UNDERSTOOD}`;
        return { ok: false, reason: `${reason} (no language model is configured on this server to read other wordings)`, status: 422 };
      }
      const llm = await parseWithLlm(text, { timezone: ctx.timezone, now: ctx.now }, { llm: deps.llm, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      if (llm.ok) {
        stats.llm++;
        return { ok: true, schedule: llm.schedule, ...(llm.task ? { task: llm.task } : {}), source: 'llm' };
      }
      stats.declined++;
      if (llm.status === 503) deps.logger.warn({ code: llm.code, detail: llm.detail }, 'LLM parser unavailable');
      return { ok: false, reason: llm.reason, status: llm.status };
    },
    // Edits follow the same order and the same rule about sure declines.
    async edit(text, task, ctx): Promise<EditOutcome> {
      const rules = readEditRules(text, { spec: task.spec, timezone: task.timezone, enabled: task.enabled }, ctx.now);
      if (rules.ok) return { ok: true, patch: { ...rules.patch }, source: 'rules' };
      if (FINAL.has(rules.kind) || !deps.llm.configured) return { ok: false, reason: rules.reason, status: 422 };
      const llm = await editWithLlm(text, task, ctx.now, { llm: deps.llm, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      if (llm.ok) return { ok: true, patch: llm.patch, source: 'llm' };
      if (llm.status === 503) deps.logger.warn({ reason: llm.reason }, 'LLM editor unavailable');
      return { ok: false, reason: llm.reason, status: llm.status };
    },
  };
}
