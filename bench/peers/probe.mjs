// Loaded with `node --expose-gc --import ./probe.mjs src/main.ts scheduler` by the tickler peer, so the
// scheduler process reports on itself without a line of bench code in src/: on each SIGUSR2 it writes
// the window since the previous signal (CPU as % of one core, worst event-loop stall) and its RSS after
// a forced GC to $BENCH_PROBE_OUT, then starts a new window.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  process.on('SIGUSR2', () => {
    const cpu = process.cpuUsage(cpu0);
    const windowMs = performance.now() - t0;
    const maxStallMs = h.max / 1e6;
    globalThis.gc?.();
    globalThis.gc?.();
    const m = process.memoryUsage();
    writeFileSync(
      out,
      JSON.stringify({
        windowMs,
        cpuPctOfOneCore: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
        maxLoopStallMs: maxStallMs,
        rssMB: m.rss / 1048576,
        heapUsedMB: m.heapUsed / 1048576,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
      }),
    );
    h.reset();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  });
}
