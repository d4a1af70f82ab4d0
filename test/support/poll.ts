/**
 * Waits until `check` returns a truthy value, polling every 25 ms, failing after `ms`. Only for
 * state no event announces: other processes (engine replicas, PostgreSQL restarts), a browser, a
 * socket closed by a peer. An engine in this process is awaited through its events instead
 * (support/engine.ts).
 */
export async function until<T>(check: () => Promise<T> | T, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    // The polling interval: another process's state cannot be awaited.
    await new Promise((r) => setTimeout(r, 25));
  }
}
