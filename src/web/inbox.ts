// The inbox: what tasks sent with the notify tool, newest first, unread ones marked; live.
import { messageOf } from './api.ts';
import { browserNotificationSwitch } from './browser-notify.ts';
import { fill, h } from './dom.ts';
import { when } from './format.ts';
import type { Notification, NotificationPage, View } from './types.ts';

export const inboxView: View = (ctx, main) => {
  const list = h('ul', { class: 'inbox', 'aria-labelledby': 'view-title' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading…');
  const readAll = h('button', { type: 'button', hidden: true, onclick: () => void markAll() }, 'Mark all read');
  const more = h('button', { type: 'button', hidden: true, onclick: () => void load(cursor) }, 'Show older');
  let cursor: string | null = null;
  let items: Notification[] = [];

  function item(n: Notification): HTMLElement {
    const unread = n.readAt === null;
    return h(
      'li',
      { class: `card note${unread ? ' unread' : ''}`, 'data-notification-id': n.id },
      h('div', { class: 'card-head' }, h('h2', { id: `note-${n.id}` }, unread ? h('span', { class: 'dot', 'aria-hidden': 'true' }) : null, n.title), unread ? h('span', { class: 'visually-hidden' }, 'unread') : null),
      h('p', { class: 'note-body' }, n.body),
      h(
        'p',
        { class: 'note-meta muted' },
        when(n.createdAt, ctx.zone()),
        n.taskId ? [' · ', h('a', { href: `#/tasks/${n.taskId}` }, 'open the task')] : null,
      ),
      unread ? h('div', { class: 'actions' }, h('button', { type: 'button', 'aria-describedby': `note-${n.id}`, onclick: () => void markRead(n) }, 'Mark read')) : null,
    );
  }

  function draw(unreadCount: number): void {
    fill(list, ...items.map(item));
    summary.textContent = items.length === 0 ? 'Nothing here yet. Tasks that use the notify tool, or tell you their results, deliver them here.' : unreadCount ? `${unreadCount} unread` : 'All read';
    readAll.hidden = unreadCount === 0;
    more.hidden = cursor === null;
  }

  async function load(after: string | null = null): Promise<void> {
    try {
      const page = await ctx.api.get<NotificationPage>(`/api/notifications?limit=50${after ? `&cursor=${after}` : ''}`);
      items = after ? [...items, ...page.items] : page.items;
      if (after || cursor === null) cursor = page.nextCursor;
      draw(page.unreadCount);
    } catch (err) {
      summary.textContent = messageOf(err);
    }
  }

  async function markRead(n: Notification): Promise<void> {
    // Focus moves to the next unread one, or the heading, instead of vanishing with the button.
    const next = items.slice(items.indexOf(n) + 1).find((x) => x.readAt === null);
    try {
      await ctx.api.post(`/api/notifications/${n.id}/read`);
      await load();
      const target = next ? list.querySelector<HTMLElement>(`[data-notification-id="${next.id}"] button`) : null;
      (target ?? document.getElementById('view-title'))?.focus();
    } catch (err) {
      ctx.toast(messageOf(err), 'error');
    }
  }

  async function markAll(): Promise<void> {
    try {
      await ctx.api.post('/api/notifications/read-all');
      await load();
      document.getElementById('view-title')?.focus();
    } catch (err) {
      ctx.toast(messageOf(err), 'error');
    }
  }

  const off = ctx.onEvent((e) => {
    if (e.type === 'reset' || e.type.startsWith('notification.')) void load();
  });
  fill(
    main,
    h(
      'section',
      { class: 'view inbox-view' },
      h('div', { class: 'view-head' }, h('h1', { id: 'view-title', tabindex: -1 }, 'Inbox'), readAll),
      browserNotificationSwitch(),
      summary,
      list,
      more,
    ),
  );
  void load();
  return off;
};
