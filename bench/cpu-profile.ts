// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the self time went: the top functions
// and the time per component (chat client, runner loop, step/execution writes, engine, pg driver, …).
//   npx node bench/cpu-profile.ts <file.cpuprofile> [--top=15]
// bench/peers/tickler.ts writes one per scheduler process (and, in the throughput step, the API
// process) when BENCH_CPU_PROF=<dir> is set; BENCH_PG_STATS=1 adds pg_stat_statements' top statements
// to the throughput result (pgStats).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
const file = positionals[0];
if (!file) throw new Error('usage: bench/cpu-profile.ts <file.cpuprofile>');
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (const [i, id] of prof.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));

// First matching rule names the component; order matters (most specific first).
const COMPONENTS: Array<[string, RegExp]> = [
  ['chat client: openai SDK', /node_modules\/openai\//],
  ['chat client: src/llm', /\/src\/llm\//],
  ['chat client: llm-call', /\/src\/runner\/llm-call/],
  ['step writes', /\/src\/runner\/steps|\/src\/store\/steps/],
  ['execution writes', /\/src\/scheduler\/record|\/src\/store\/executions|\/src\/scheduler\/batcher/],
  ['runner (loop, prompt, snapshot)', /\/src\/runner\//],
  ['engine', /\/src\/scheduler\//],
  ['pg driver', /node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//],
  ['logging (pino)', /node_modules\/(pino|sonic-boom|thread-stream)/],
  ['other tickler code', /\/src\//],
  ['node:http / net / streams', /^node:(_http|http|net|stream|internal\/streams|internal\/http|_stream)|internal\/(streams|http|net)/],
  ['node internals', /^node:/],
  ['other node_modules', /node_modules/],
];
const special = (name: string) => ['(garbage collector)', '(idle)', '(program)', '(root)'].includes(name);
const component = (n: Node) => {
  if (special(n.callFrame.functionName)) return n.callFrame.functionName;
  const url = n.callFrame.url;
  if (url === '') return `native/builtin`;
  for (const [name, re] of COMPONENTS) if (re.test(url)) return name;
  return 'other';
};

const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idleUs = [...selfUs.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
const busyUs = totalUs - idleUs;
const pct = (us: number) => `${((100 * us) / busyUs).toFixed(1)}%`;

const fns = new Map<string, number>();
const comps = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id) as Node;
  if (n.callFrame.functionName === '(idle)') continue;
  const short = n.callFrame.url.replace(/^.*\/(node_modules\/|src\/)/, '$1').replace(/^file:\/\//, '');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${short}${short ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const c = component(n);
  comps.set(c, (comps.get(c) ?? 0) + us);
}
console.log(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled, busy ${(busyUs / 1e6).toFixed(2)} s (idle ${(idleUs / 1e6).toFixed(2)} s)`);
console.log('\nself time by component (of busy time):');
for (const [c, us] of [...comps].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us).padStart(6)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${c}`);
console.log(`\ntop ${args.top} functions by self time:`);
for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) console.log(`  ${pct(us).padStart(6)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${f}`);
