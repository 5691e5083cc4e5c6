// Sign-in: the admin pastes a management key. It is tried against /manage/me
// first and kept (sessionStorage, this tab) only when the API accepts it, so a
// wrong key leaves nothing behind.
import { api, ApiError } from '../api.js';
import { alertSlot, field, h } from '../dom.js';
import { rememberKey, type Me } from '../session.js';

export function signInScreen(options: { onSignedIn(me: Me): void; refusal?: ApiError }): HTMLElement {
  const key = h('input', { type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false', required: true });
  const refusal = alertSlot();
  if (options.refusal) refusal.show(options.refusal);
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card' },
    field('Management API key', key, 'The root key (MANAGE_API_KEY) or a scoped key (lk_mgmt_…). Kept in this tab only, until you sign out or close it.'),
    refusal.el,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    refusal.clear();
    submit.disabled = true;
    try {
      const me = (await api<{ data: Me }>('GET', '/me', { key: key.value.trim() })).data;
      rememberKey(key.value.trim());
      options.onSignedIn(me);
    } catch (error) {
      refusal.show(error as ApiError);
      key.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'sign-in' }, h('h1', {}, 'Sign in to latchkey'), form);
}
