// An app's public keys (§2.2): the list with thumbprints, upload by pasting a
// PEM or choosing a file (read in the browser, sent as text), delete after a
// confirmation. The service decides what is acceptable; its refusal is shown.
import { api, type ApiError } from '../api.js';
import { alertSlot, confirmDialog, field, h, row, statusSlot, table, time } from '../dom.js';
import type { Ctx } from '../main.js';
import { appNav, appPath, type AppRef } from './app-nav.js';

interface Key {
  kid: string;
  algorithm: string;
  thumbprint: string;
  createdAt: string;
}

const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'RS384', 'RS512'];

export async function appKeysScreen(_ctx: Ctx, ref: AppRef): Promise<HTMLElement> {
  const path = `${appPath(ref)}/auth-keys`;
  const keys = (await api<{ data: Key[] }>('GET', path)).data;
  const status = statusSlot();
  const listRefusal = alertSlot();
  const list = h('div', {});

  function drawList(): void {
    const rows = keys.map((key) => {
      const remove = h('button', { type: 'button', class: 'small danger', 'aria-label': `Delete key ${key.kid}` }, 'Delete');
      remove.addEventListener('click', async () => {
        listRefusal.clear();
        const sure = await confirmDialog(`Delete key ${key.kid}?`, 'Customer tokens signed with it are refused from the next request. Sessions already issued live on until they expire (revoke them by user or time).', 'Delete key');
        if (!sure) return remove.focus();
        try {
          await api('DELETE', `${path}/${encodeURIComponent(key.kid)}`);
          keys.splice(keys.indexOf(key), 1);
          drawList();
          status.say(`Deleted key ${key.kid}.`);
        } catch (error) {
          listRefusal.show(error as ApiError);
        }
      });
      return row(h('code', {}, key.kid), key.algorithm, h('code', { class: 'wrap' }, key.thumbprint), time(key.createdAt), remove);
    });
    list.replaceChildren(table('Public keys', ['Kid', 'Algorithm', 'Thumbprint (RFC 7638)', 'Created', 'Actions'], rows, 'No public key yet: customer tokens cannot be verified.'));
  }
  drawList();

  const kid = h('input', { name: 'kid', required: true, maxlength: 64, pattern: '[A-Za-z0-9._:\\-]{1,64}', spellcheck: 'false' });
  const algorithm = h('select', { name: 'algorithm' }, ...ALGORITHMS.map((a) => h('option', { value: a }, a)));
  const pem = h('textarea', { name: 'publicKey', rows: 6, required: true, spellcheck: 'false', class: 'mono', placeholder: '-----BEGIN PUBLIC KEY-----' });
  const file = h('input', { type: 'file', name: 'pemFile', accept: '.pem,.pub,.key,.txt,application/x-pem-file,text/plain' });
  // The file is only read into the text box: what is uploaded is what you see.
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (chosen) pem.value = await chosen.text();
  });
  const refusal = alertSlot();
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Upload a public key'),
    field('Key id (kid)', kid),
    field('Algorithm', algorithm),
    field('Public key (PEM)', pem, 'An SPKI public key: -----BEGIN PUBLIC KEY-----. Never paste a private key.'),
    field('Or choose a PEM file', file),
    refusal.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Upload key')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    refusal.clear();
    try {
      const { data } = await api<{ data: Key }>('POST', path, { body: { kid: kid.value, algorithm: algorithm.value, publicKey: pem.value } });
      keys.push(data);
      drawList();
      form.reset();
      status.say(`Uploaded key ${data.kid}, thumbprint ${data.thumbprint}.`);
    } catch (error) {
      refusal.show(error as ApiError);
    }
  });

  return h('section', {}, ...appNav(ref, '/keys'), h('h1', {}, 'Public keys'), status.el, listRefusal.el, list, form);
}
