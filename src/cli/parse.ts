// Try the schedule parser from a terminal:
//   node src/cli/parse.ts "every weekday at 9am" --tz Europe/Paris [--now 2026-11-24T10:00]
// Prints the schedule as JSON, its description and the next 5 runs; exits 1 with the reason
// when the phrase is declined.
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { loadConfig } from '../config.ts';
import { createLlm } from '../llm/client.ts';
import { createLogger } from '../log.ts';
import { createParser } from '../nl-parser/index.ts';
import { describe, isValidTimezone, nextRuns } from '../scheduler/schedule.ts';

const USAGE = 'usage: node src/cli/parse.ts "<phrase>" [--tz <IANA zone>] [--now <ISO date-time>]';

/** A short zone name such as "CET" or "EST"; locales differ in which zones they abbreviate. */
function zoneName(dt: DateTime): string {
  for (const locale of ['en-US', 'en-GB', 'en-IN', 'en-AU']) {
    const name = dt.setLocale(locale).toFormat('ZZZZ');
    if (!/^(GMT|UTC)[+-]/.test(name)) return name;
  }
  return dt.toFormat('ZZZZ');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tz: { type: 'string' }, now: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const text = positionals.join(' ').trim();
  if (values.help || !text) {
    console.error(USAGE);
    return 2;
  }
  const timezone = values.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isValidTimezone(timezone)) {
    console.error(`unknown time zone "${timezone}"`);
    return 2;
  }
  const nowDt = values.now ? DateTime.fromISO(values.now, { zone: timezone }) : DateTime.now();
  if (!nowDt.isValid) {
    console.error(`--now must be an ISO date-time (${nowDt.invalidExplanation ?? 'unreadable'})`);
    return 2;
  }
  const now = nowDt.toJSDate();
  // Rules first; the LLM (when OPENAI_API_KEY or OPENAI_BASE_URL is set) for the rest.
  const parser = createParser({ llm: createLlm(loadConfig().openai), logger: createLogger('warn') });
  const result = await parser.parse(text, { timezone, now });
  if (!result.ok) {
    console.error(`declined: ${result.reason}`);
    return 1;
  }
  const { schedule, task } = result;
  console.log(JSON.stringify(schedule, null, 2));
  console.log(`${describe(schedule)}  (read by the ${result.source === 'rules' ? 'rules' : 'LLM'})`);
  if (task) console.log(`task: ${task.name} — ${task.prompt}`);
  console.log('next runs:');
  for (const run of nextRuns(schedule, now, 5)) {
    const local = DateTime.fromJSDate(run, { zone: schedule.timezone });
    console.log(`  ${local.toFormat('ccc d LLL yyyy HH:mm')}${local.second ? local.toFormat(':ss') : ''} ${zoneName(local)}`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
