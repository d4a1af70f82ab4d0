// A zero-latency chat-completions server for the benchmarks, in its own process (a real model
// runs elsewhere, so its work must not share tickler's event loop). It records when each request
// arrived — fully read, as a real server would start working on it — and which task it came for
// (the first "bench-<n>" marker in the body: tasks are given prompts "bench-<n>").
// Parent messages: {cmd: 'reset'} → {reset: true}; {cmd: 'report'} → {arrivals: [[n, epochMs], …], count}.
import http from 'node:http';

const reply = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 0,
    model: 'bench',
    choices: [{ index: 0, message: { role: 'assistant', content: 'done', refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 100, completion_tokens: 1, total_tokens: 101 },
  }),
);
const marker = /bench-(\d+)/;
let arrivals: Array<[number, number]> = [];
let count = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    count++;
    const m = marker.exec(Buffer.concat(chunks).toString('latin1'));
    if (m) arrivals.push([Number(m[1]), at]);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': reply.length });
    res.end(reply);
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.maxRequestsPerSocket = 0;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send?.({ url: `http://127.0.0.1:${port}/v1` });
});
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'reset') {
    arrivals = [];
    count = 0;
    process.send?.({ reset: true });
  } else if (m.cmd === 'report') {
    process.send?.({ arrivals, count });
  }
});
process.on('disconnect', () => process.exit(0));
