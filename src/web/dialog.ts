// Modal dialogs on the native <dialog>: focus is trapped and Escape closes them for free; focus
// returns to whatever opened them.
import { type Child, h } from './dom.ts';

/** Opens `dialog` modally; resolves with its returnValue once closed, and removes it. */
export function openModal(dialog: HTMLDialogElement, initialFocus?: HTMLElement): Promise<string> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  document.body.append(dialog);
  dialog.showModal();
  initialFocus?.focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        dialog.remove();
        if (opener?.isConnected) opener.focus();
        resolve(dialog.returnValue);
      },
      { once: true },
    );
  });
}

/** Asks a yes/no question; the safe answer (Cancel) has the focus. */
export async function confirmDialog(opts: { title: string; body: Child; confirm: string; danger?: boolean }): Promise<boolean> {
  const cancel = h('button', { type: 'submit', value: 'cancel' }, 'Cancel');
  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, opts.title),
      h('div', { id: 'confirm-body' }, opts.body),
      h('div', { class: 'actions' }, cancel, h('button', { type: 'submit', value: 'confirm', class: opts.danger ? 'danger' : 'primary' }, opts.confirm)),
    ),
  );
  return (await openModal(dialog, cancel)) === 'confirm';
}
