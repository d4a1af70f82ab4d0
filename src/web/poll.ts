// Re-reading on a timer, for what no live event reports (system jobs' runs are announced on the
// system user's stream, not the reader's): only while the page is visible, and at once when it
// becomes visible again. `ms` is asked each time, so a view can poll faster while a run is going.

export interface Poll {
  stop(): void;
  /** Re-reads now, and times the next one from now (after an action that changes what is read). */
  now(): void;
}

export function whileVisible(ms: () => number, fn: () => void): Poll {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(tick, ms());
  };
  const tick = () => {
    if (document.visibilityState === 'visible') fn();
    schedule();
  };
  const onVisible = () => {
    if (document.visibilityState !== 'visible') return;
    fn();
    schedule();
  };
  document.addEventListener('visibilitychange', onVisible);
  schedule();
  return {
    stop() {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
    now() {
      fn();
      schedule();
    },
  };
}
