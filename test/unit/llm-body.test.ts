// The lean sender's request body (chatBodyJson) must be what the SDK sends for the same call: the
// tool definitions are serialised once and spliced in, so a drift would reach every request.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatSender } from '../../src/llm/chat.ts';
import { callLlm, chatBodyJson } from '../../src/runner/llm-call.ts';
import { TOOLS } from '../../src/runner/tools/index.ts';
import { type FakeOpenAI, reply, startFakeOpenAI } from '../support/fake-openai.ts';

const tools = [...TOOLS.values()].map((t) => t.definition);
const messages: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Now is 2026-12-07 "quoted", a tab\there, ünïcödé, emoji 🙂 and a \u2028 separator' },
  { role: 'user', content: 'Run the task now.' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'memory_get', arguments: '{"key":"k"}' } }] },
  { role: 'tool', tool_call_id: 'c1', content: '{"value":null}' },
];

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server?.close());

describe('the chat request body', () => {
  it('is the text JSON.stringify gives for the SDK body, with and without tools and a token cap', () => {
    for (const input of [
      { model: 'm', messages, tools: [] },
      { model: 'gpt-x', messages, tools },
      { model: 'gpt-x', messages, tools, maxCompletionTokens: 1234 },
      { model: 'm', messages: messages.slice(0, 2), tools: tools.slice(0, 1), maxCompletionTokens: 0 },
    ]) {
      const sdkBody = {
        model: input.model,
        messages: input.messages,
        ...(input.tools.length ? { tools: input.tools } : {}),
        ...('maxCompletionTokens' in input ? { max_completion_tokens: input.maxCompletionTokens } : {}),
      };
      // Twice: the second body comes from the cached definitions.
      expect(chatBodyJson(input)).toBe(JSON.stringify(sdkBody));
      expect(chatBodyJson(input)).toBe(JSON.stringify(sdkBody));
    }
  });

  it('reaches the server as the same JSON through the lean sender as through the SDK', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
    const chat = createChatSender({ baseURL: server.url, apiKey: 'k', maxSockets: 2 });
    try {
      server.script(reply.text('a'), reply.text('b'));
      const common = { client, model: 'gpt-x', messages, tools, maxCompletionTokens: 99, timeoutMs: 5_000, signal: new AbortController().signal };
      const viaSdk = await callLlm(common);
      const viaLean = await callLlm({ ...common, chat });
      expect(viaSdk.ok && viaLean.ok).toBe(true);
      expect(server.requests).toHaveLength(2);
      expect(server.requests[1]?.body).toEqual(server.requests[0]?.body);
      expect(server.requests[1]?.body.tools).toHaveLength(tools.length);
    } finally {
      await chat.close();
    }
  });
});
