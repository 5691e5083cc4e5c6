// The service's signing keys (§2.6), root only: their status, a rotation and
// a revocation, each after a confirmation. Both change other keys' status
// too, so the table is read again after each.
import { api, type ApiError } from '../api.js';
import { alertSlot, confirmDialog, h, row, statusSlot, table, time } from '../dom.js';
import type { Ctx } from '../main.js';

interface SigningKey {
  kid: string;
  alg: string;
  status: 'pending' | 'current' | 'retired' | 'revoked';
  createdAt: string;
  activatesAt: string | null;
  retiredAt: string | null;
  publishUntil: string | null;
}

export async function signingKeysScreen(_ctx: Ctx): Promise<HTMLElement> {
  const status = statusSlot();
  const listRefusal = alertSlot();
  const list = h('div', {});

  async function load(): Promise<void> {
    const keys = (await api<{ data: SigningKey[] }>('GET', '/signing-keys')).data;
    const rows = keys.map((k) => {
      let action: HTMLElement | string = '—';
      if (k.status !== 'revoked') {
        const revoke = h('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke signing key ${k.kid}` }, 'Revoke');
        revoke.addEventListener('click', async () => {
          listRefusal.clear();
          const sure = await confirmDialog(
            `Revoke signing key ${k.kid}?`,
            'It leaves JWKS at once and every session token it signed fails introspection and refresh.' + (k.status === 'current' ? ' A new key becomes current at once.' : ''),
            'Revoke key',
          );
          if (!sure) return revoke.focus();
          try {
            await api('POST', `/signing-keys/${encodeURIComponent(k.kid)}/revoke`);
            status.say(`Revoked signing key ${k.kid}.`);
            await load();
          } catch (error) {
            listRefusal.show(error as ApiError);
          }
        });
        action = revoke;
      }
      return row(h('code', { class: 'wrap' }, k.kid), k.alg, h('span', { class: `badge ${k.status}` }, k.status), time(k.createdAt), time(k.activatesAt), time(k.retiredAt), time(k.publishUntil), action);
    });
    list.replaceChildren(table('Signing keys', ['Kid', 'Algorithm', 'Status', 'Created', 'Current from', 'Retired', 'Published until', 'Actions'], rows, 'No signing key.'));
  }
  await load();

  const immediate = h('input', { type: 'checkbox', id: 'rotate-immediate' });
  const rotateRefusal = alertSlot();
  const rotate = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Rotate'),
    h('p', {}, 'The new key is published in JWKS at once and becomes current after the pre-publication time, unless made current at once. Rotating while a key is pending revokes that pending key.'),
    h('div', { class: 'check' }, immediate, h('label', { for: immediate.id }, 'Make the new key current at once (after a suspected leak; then revoke the old one)')),
    rotateRefusal.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Rotate signing key')),
  );
  rotate.addEventListener('submit', async (event) => {
    event.preventDefault();
    rotateRefusal.clear();
    if (!(await confirmDialog('Rotate the signing key?', immediate.checked ? 'The new key signs every token from now on.' : 'The new key is published now and signs once it becomes current.', 'Rotate'))) return;
    try {
      const { data } = await api<{ data: SigningKey }>('POST', '/signing-keys/rotate', { body: { immediate: immediate.checked } });
      status.say(`New signing key ${data.kid} is ${data.status}.`);
      rotate.reset();
      await load();
    } catch (error) {
      rotateRefusal.show(error as ApiError);
    }
  });

  return h('section', {}, h('h1', {}, 'Signing keys'), status.el, listRefusal.el, list, rotate);
}
