// A small panel with the scheduler's health (admins: the local user in local mode), refreshed while shown.
import { h } from './dom.ts';
import { count, duration } from './format.ts';
import type { Ctx } from './types.ts';

interface Status {
  instances: Array<{ id: string; mode: string; running: number; queued: number }>;
  dueNextMinute: number;
  running: number;
  queued: number;
  lastFireLagMs: number | null;
}

const REFRESH_MS = 10_000;

export function schedulerPanel(ctx: Ctx): { el: HTMLElement; stop(): void } {
  const facts = h('dl', { class: 'status-facts' });
  const el = h('aside', { class: 'card scheduler-panel', 'aria-labelledby': 'scheduler-title' }, h('h2', { id: 'scheduler-title' }, 'Scheduler'), facts);
  // Each pair in its own group (allowed in a <dl>), so a label never wraps away from its value.
  const fact = (label: string, value: string) => [h('div', null, h('dt', null, label), h('dd', null, value))];

  async function refresh(): Promise<void> {
    try {
      const s = await ctx.api.get<Status>('/api/scheduler/status');
      const engines = s.instances.filter((i) => i.mode !== 'api').length;
      facts.replaceChildren(
        ...fact('Engines', engines === 0 ? 'none running: tasks will not fire' : count(engines)),
        ...fact('Running', count(s.running)),
        ...fact('Queued', count(s.queued)),
        ...fact('Due next minute', count(s.dueNextMinute)),
        ...fact('Last fire lag', s.lastFireLagMs === null ? '—' : duration(s.lastFireLagMs)),
      );
    } catch {
      facts.replaceChildren(...fact('Status', 'unavailable'));
    }
  }
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  return { el, stop: () => clearInterval(timer) };
}
