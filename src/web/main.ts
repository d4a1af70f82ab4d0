// The shell: session and sign-in, the router (hash routes, so the server needs no fallback), the
// live event stream and its indicator, the inbox badge, toasts, and fresh relative times.
import { type Api, ApiError, createApi } from './api.ts';
import { showBrowserNotification } from './browser-notify.ts';
import { composeView } from './compose.ts';
import { h } from './dom.ts';
import { refreshTimes } from './format.ts';
import { historyView } from './history.ts';
import { inboxView } from './inbox.ts';
import { jobHistoryView } from './job-history.ts';
import { jobsView } from './jobs.ts';
import { connectLive, type LiveState } from './live.ts';
import { runsView } from './runs.ts';
import { signIn } from './signin.ts';
import { tasksView } from './tasks.ts';
import type { Ctx, LiveEvent, Session, View } from './types.ts';
import { saveZone, savedZone } from './zones.ts';

const ROUTES: Array<{ path: RegExp; view: View; title: string; nav: string }> = [
  { path: /^\/$/, view: composeView, title: 'New task', nav: 'compose' },
  { path: /^\/tasks(?:\?new=(\d+))?$/, view: tasksView, title: 'Tasks', nav: 'tasks' },
  { path: /^\/tasks\/(\d+)(?:\/runs\/(\d+))?$/, view: historyView, title: 'Task', nav: 'tasks' },
  { path: /^\/runs$/, view: runsView, title: 'All runs', nav: 'runs' },
  { path: /^\/inbox$/, view: inboxView, title: 'Inbox', nav: 'inbox' },
  { path: /^\/jobs$/, view: jobsView, title: 'Jobs', nav: 'jobs' },
  { path: /^\/jobs\/system\/(\d+)$/, view: jobHistoryView, title: 'System job', nav: 'jobs' },
];

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function toaster(): Ctx['toast'] {
  const region = byId('toasts');
  return (message, kind = 'ok') => {
    const t = h('div', { class: `toast toast-${kind}`, ...(kind === 'error' ? { role: 'alert' } : {}) }, message);
    region.append(t);
    // A burst of actions should not bury the page: the three latest are enough.
    while (region.children.length > 3) region.firstElementChild?.remove();
    setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
  };
}

function showLiveState(state: LiveState): void {
  const el = byId('live');
  el.hidden = false;
  el.dataset.state = state;
  el.textContent = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  el.title = state === 'live' ? 'Changes appear as they happen' : 'Changes will appear once the connection is back';
}

async function loadSession(api: Api, main: HTMLElement): Promise<Session> {
  for (;;) {
    try {
      const session = await api.get<Session>('/api/session');
      if (session.user) return session;
      return await signIn(api, main, null);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        api.setKey(null);
        return await signIn(api, main, 'Your saved key is no longer accepted. Sign in again.');
      }
      main.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'tickler could not be reached. Retrying…'));
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function boot(): Promise<void> {
  const main = byId('main');
  byId('skip').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  let onUnauthorized = () => {};
  const api = createApi(() => onUnauthorized());
  const session = await loadSession(api, main);
  // A key revoked while the page is open: start over from the sign-in.
  onUnauthorized = () => {
    api.setKey(null);
    location.reload();
  };

  const handlers = new Set<(e: LiveEvent) => void>();
  const dispatch = (e: LiveEvent) => {
    for (const fn of [...handlers]) fn(e);
  };
  let zone = savedZone();
  const ctx: Ctx = {
    api,
    session,
    zone: () => zone,
    setZone(z) {
      zone = z;
      saveZone(z);
    },
    onEvent(fn) {
      handlers.add(fn);
      return () => handlers.delete(fn);
    },
    toast: toaster(),
    navigate(hash) {
      if (location.hash === hash) route(true);
      else location.hash = hash;
    },
  };

  // The number is drawn for the eye; screen readers hear ", 3 unread" as part of the link.
  const badge = byId('unread');
  const badgeText = byId('unread-sr');
  const refreshBadge = async () => {
    try {
      const { unreadCount } = await api.get<{ unreadCount: number }>('/api/notifications?unread=true&limit=1');
      badge.hidden = unreadCount === 0;
      badge.textContent = unreadCount ? String(unreadCount) : '';
      badgeText.textContent = unreadCount ? `, ${unreadCount} unread` : '';
    } catch {
      // the badge waits for the next event
    }
  };
  handlers.add((e) => {
    if (e.type === 'reset' || e.type.startsWith('notification.')) void refreshBadge();
    showBrowserNotification(e);
  });

  let leave = () => {};
  function route(moveFocus: boolean): void {
    const path = location.hash.replace(/^#/, '') || '/';
    if (!path.startsWith('/')) return;
    const match = ROUTES.map((r) => ({ r, m: r.path.exec(path) })).find((x) => x.m);
    if (!match?.m) return void ctx.navigate('#/');
    leave();
    document.title = `${match.r.title} · tickler`;
    for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('[data-nav]'))) {
      if (a.dataset.nav === match.r.nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    leave = match.r.view(ctx, main, match.m.slice(1).filter((p): p is string => p !== undefined));
    // On navigation, land on the new view's heading (screen readers announce it); on first load of
    // the compose view, in the text box, ready to type.
    const target = moveFocus ? main.querySelector<HTMLElement>('h1') : main.querySelector<HTMLElement>('#compose-text');
    target?.focus();
  }

  byId('app-nav').hidden = false;
  byId('no-llm').hidden = session.llmConfigured;
  // Jobs are for admins (the API refuses anyone else); the local user of local mode is one.
  byId('nav-jobs').hidden = !session.user?.isAdmin;
  if (session.authMode === 'apikey') {
    const out = byId<HTMLButtonElement>('signout');
    out.hidden = false;
    out.addEventListener('click', () => {
      api.setKey(null);
      location.hash = '#/';
      location.reload();
    });
  }
  window.addEventListener('hashchange', () => route(true));
  connectLive({
    headers: () => api.authHeaders(),
    onEvent: dispatch,
    onReset: () => dispatch({ id: '', type: 'reset' }),
    onState: showLiveState,
    onUnauthorized: () => onUnauthorized(),
  });
  void refreshBadge();
  setInterval(() => refreshTimes(), 15_000);
  route(false);
}

void boot();
