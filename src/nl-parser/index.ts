import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { NOT_UNDERSTOOD, type ScheduleParser } from './parser.ts';

export interface ParserDeps {
  config: Config['openai'];
  logger: Logger;
}

/** Rules first, the LLM for the rest. (Placeholder until the rules and LLM parsers land.) */
export function createParser(_deps: ParserDeps): ScheduleParser {
  return {
    async parse() {
      return { ok: false, reason: NOT_UNDERSTOOD, status: 422 };
    },
  };
}
