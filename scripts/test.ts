// `npm test`: runs vitest, then prints the one line CI reads: "tests: N passed, M failed".
// Arguments pass through (`npm test -- test/unit`). The exit code is vitest's.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = join(tmpdir(), `tickler-vitest-${process.pid}.json`);
const vitest = join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  let passed = 0;
  let failed = 0;
  try {
    const r = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number; numFailedTestSuites?: number };
    passed = r.numPassedTests;
    // A file that fails to load has no failed tests but must still fail the run.
    failed = r.numFailedTests + (r.numFailedTests === 0 && code !== 0 ? (r.numFailedTestSuites ?? 1) || 1 : 0);
    rmSync(out, { force: true });
  } catch {
    failed = 1;
  }
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
