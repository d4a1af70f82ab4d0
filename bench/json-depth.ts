// Times the nesting-depth scan every request body goes through (src/api/body.ts) beside JSON.parse
// of the same text: MB/s on ordinary and hostile bodies.
//   npx node bench/json-depth.ts [--runs 50]
import { parseArgs } from 'node:util';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../src/api/body.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } });
const runs = Math.max(1, Number(values.runs));

const tasks = Array.from({ length: 6000 }, (_, i) => ({ id: String(i), name: `task "${i}" [x]`, tools: ['notify', 'http_fetch'], misfire: { policy: 'skip' } }));
const cases: Record<string, string> = {
  'ordinary (6,000 small objects)': JSON.stringify({ items: tasks }),
  'one long string of escapes and brackets': JSON.stringify('\\"[{'.repeat(250_000)),
  '1 MiB of "[" (refused at the 65th)': '['.repeat(1 << 20),
  'depth 64 exactly, repeated': `[${`${'['.repeat(63)}${']'.repeat(63)},`.repeat(8000)}0]`,
};

const time = (fn: () => void): number => {
  for (let i = 0; i < 3; i++) fn();
  const started = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - started) / runs;
};

for (const [name, text] of Object.entries(cases)) {
  const mb = text.length / 1e6;
  const scan = time(() => nestsDeeperThan(text, MAX_JSON_DEPTH));
  let parse = Number.NaN;
  try {
    JSON.parse(text);
    parse = time(() => JSON.parse(text));
  } catch {
    // not JSON: only the scan is timed
  }
  const parsed = Number.isNaN(parse) ? 'not JSON' : `JSON.parse ${parse.toFixed(2)} ms`;
  console.log(`${name}: ${mb.toFixed(2)} MB, scan ${scan.toFixed(2)} ms (${(mb / (scan / 1000)).toFixed(0)} MB/s), ${parsed}`);
}
