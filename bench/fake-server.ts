// The bench's chat server, in its own process so its work does not share the runner's event loop
// (a real model runs elsewhere). Zero latency: it answers as soon as the request is read.
// Scenario "tool": the first request of a run gets a memory_get call, a request ending in a tool
// result gets the final answer; "answer": every request gets the final answer.
import { reply, startFakeOpenAI } from '../test/support/fake-openai.ts';

const scenario = process.argv[2] === 'answer' ? 'answer' : 'tool';
const fake = await startFakeOpenAI({
  record: false,
  handler: (req) => {
    const last = req.body.messages?.at(-1)?.role;
    if (scenario === 'answer' || last === 'tool') return reply.text('All done: nothing changed since last time.', { usage: { promptTokens: 400, completionTokens: 12 } });
    return reply.toolCall('memory_get', { key: 'last_seen' }, { usage: { promptTokens: 380, completionTokens: 9 } });
  },
});
process.send?.({ url: fake.url });
process.on('disconnect', () => {
  void fake.close().then(() => process.exit(0));
});
