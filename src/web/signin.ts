// Sign-in for apikey mode: the key is asked for once and kept in this browser (localStorage).
import { type Api, ApiError } from './api.ts';
import { fill, h } from './dom.ts';
import type { Session } from './types.ts';

/** Shows the sign-in form in `main`; resolves with the session once a key is accepted. */
export function signIn(api: Api, main: HTMLElement, reason: string | null): Promise<Session> {
  return new Promise((resolve) => {
    const key = h('input', { id: 'api-key', name: 'key', type: 'password', required: true, autocomplete: 'current-password', spellcheck: 'false', 'aria-describedby': 'api-key-help' });
    const error = h('p', { id: 'signin-error', class: 'error', role: 'alert', hidden: !reason }, reason ?? '');
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
    const form = h(
      'form',
      {
        class: 'stack',
        async onsubmit(e: SubmitEvent) {
          e.preventDefault();
          submit.disabled = true;
          error.hidden = true;
          api.setKey(key.value.trim());
          try {
            const session = await api.get<Session>('/api/session');
            if (!session.user) throw new ApiError(401, { detail: 'That key was not accepted.' });
            resolve(session);
          } catch (err) {
            api.setKey(null);
            error.textContent = err instanceof ApiError && err.status === 401 ? 'That key was not accepted. Check it and try again.' : 'The server could not be reached. Try again.';
            error.hidden = false;
            submit.disabled = false;
            key.focus();
          }
        },
      },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'api-key' }, 'API key'),
        key,
        h('p', { id: 'api-key-help', class: 'hint' }, 'It starts with ', h('code', null, 'tk_'), '. An admin creates one with ', h('code', null, 'npm run user:create -- --name you'), '. It is kept in this browser until you sign out.'),
      ),
      error,
      h('div', { class: 'actions' }, submit),
    );
    fill(main, h('section', { class: 'view signin card', 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title', tabindex: -1 }, 'Sign in to tickler'), form));
    key.focus();
  });
}
