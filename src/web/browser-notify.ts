// Browser notifications for Inbox items: off by default; turning the switch on asks the browser for
// permission (once: a choice already made is not asked again), and while it is on each new Inbox
// item pops up as a system notification. The choice is kept in this browser only.
import { h } from './dom.ts';
import type { LiveEvent } from './types.ts';

const STORAGE = 'tickler.browserNotifications';

const supported = () => typeof Notification !== 'undefined';
export const browserNotificationsOn = () => supported() && localStorage.getItem(STORAGE) === 'on' && Notification.permission === 'granted';

/** Shows a `notification.created` event as a system notification, when the user turned them on. */
export function showBrowserNotification(e: LiveEvent): void {
  if (e.type !== 'notification.created' || !browserNotificationsOn()) return;
  const title = typeof e.title === 'string' && e.title ? e.title : 'New message in your tickler Inbox';
  const n = new Notification(title, { body: 'Open the Inbox to read it.', tag: `tickler-${String(e.notificationId ?? e.id)}` });
  n.onclick = () => {
    window.focus();
    location.hash = '#/inbox';
  };
}

/** The Inbox's switch. */
export function browserNotificationSwitch(): HTMLElement {
  const input = h('input', { id: 'browser-notifications', type: 'checkbox', role: 'switch', checked: browserNotificationsOn(), 'aria-describedby': 'browser-notifications-help' });
  const help = h('p', { id: 'browser-notifications-help', class: 'hint' }, '');
  const explain = () => {
    if (!supported()) help.textContent = 'This browser cannot show notifications.';
    else if (Notification.permission === 'denied') help.textContent = 'Notifications are blocked for this site: allow them in the browser’s site settings.';
    else help.textContent = 'New Inbox items also pop up as notifications while tickler is open.';
  };
  input.disabled = !supported();
  input.addEventListener('change', async () => {
    if (!input.checked) {
      localStorage.setItem(STORAGE, 'off');
      return explain();
    }
    // Asked only while undecided: the browser remembers a yes or a no.
    const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    localStorage.setItem(STORAGE, permission === 'granted' ? 'on' : 'off');
    input.checked = permission === 'granted';
    explain();
  });
  explain();
  return h('div', { class: 'field result-switch browser-switch' }, h('label', { class: 'check', for: 'browser-notifications' }, input, ' Browser notifications'), help);
}
