import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLlm, type Llm } from '../../src/llm/client.ts';
import { parseWithLlm } from '../../src/nl-parser/llm.ts';
import { type FakeOpenAI, reply, startFakeOpenAI } from '../support/fake-openai.ts';

// Wednesday 25 November 2026, 12:27 in Paris (UTC+1).
const now = new Date('2026-11-25T11:27:00.000Z');
const opts = { timezone: 'Europe/Paris', now };

let server: FakeOpenAI;
let llm: Llm;

beforeAll(async () => {
  server = await startFakeOpenAI();
  llm = createLlm(loadConfig({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'test-key', OPENAI_MODEL: 'test-model', OPENAI_TIMEOUT_MS: '5000' }).openai);
});
afterEach(() => server.reset());
afterAll(() => server.close());

const parse = (text: string) => parseWithLlm(text, opts, { llm });
const schedule = (s: Record<string, unknown>) => reply.toolCall('set_schedule', { schedule: s, timezone: null, task: null });

describe('parseWithLlm: the rrule form', () => {
  it('offers the rrule form in the strict tool schema and explains it in the prompt', async () => {
    server.script(schedule({ kind: 'rrule', rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0', dtstart: null }));
    await parse('every other monday at 9');
    const body = server.requests[0]?.body;
    const tool = body?.tools?.[0];
    const params = JSON.stringify(tool?.type === 'function' ? tool.function.parameters : null);
    expect(params).toContain('"rrule"');
    expect(params).toContain('"dtstart"');
    const system = body?.messages?.[0];
    expect(typeof system?.content === 'string' ? system.content : '').toContain('{"kind":"rrule"}');
  });

  it('reads an rrule with its DTSTART, validated like client input', async () => {
    server.script(schedule({ kind: 'rrule', rrule: 'FREQ=MONTHLY;INTERVAL=2;BYDAY=1FR;BYHOUR=9;BYMINUTE=0', dtstart: '2026-12-01T00:00:00' }));
    expect(await parse('the first friday of every other month at 9')).toMatchObject({
      ok: true,
      source: 'llm',
      schedule: { kind: 'rrule', rrule: 'FREQ=MONTHLY;INTERVAL=2;BYDAY=1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0', dtstart: '2026-12-01T00:00:00', timezone: 'Europe/Paris' },
    });
  });

  it('sends a bad rule back once with the part named, and takes the repaired call', async () => {
    server.script(
      schedule({ kind: 'rrule', rrule: 'FREQ=MONTHLY;BYDAY=9FR;BYHOUR=9;BYMINUTE=0', dtstart: null }),
      schedule({ kind: 'rrule', rrule: 'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0', dtstart: null }),
    );
    const out = await parse('the last friday of each month at 9');
    expect(out).toMatchObject({ ok: true, roundTrips: 2, schedule: { kind: 'rrule', rrule: 'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0' } });
    const repair = JSON.stringify(server.requests[1]?.body.messages);
    expect(repair).toContain('schedule.rrule: BYDAY: bad ordinal 9FR');
  });
});
