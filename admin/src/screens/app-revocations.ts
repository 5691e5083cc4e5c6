// Revoking an app's sessions (§2.5): by session id, by user, or everything
// issued before a time; each asks for confirmation, then one POST. The list
// is newest first, as the API gives it.
import { api, type ApiError } from '../api.js';
import { alertSlot, confirmDialog, field, h, row, statusSlot, table, time } from '../dom.js';
import type { Ctx } from '../main.js';
import { appNav, appPath, type AppRef } from './app-nav.js';

interface Revocation {
  id: string;
  jti?: string;
  userId?: string;
  issuedBefore?: string;
  createdAt: string;
}

const describe = (r: Revocation) =>
  r.jti !== undefined ? ['Session', r.jti] : r.userId !== undefined ? ['User', r.userId] : ['Issued before', r.issuedBefore ? new Date(r.issuedBefore).toLocaleString() : ''];

export async function appRevocationsScreen(_ctx: Ctx, ref: AppRef): Promise<HTMLElement> {
  const path = `${appPath(ref)}/revocations`;
  const revocations = (await api<{ data: Revocation[] }>('GET', path)).data;
  const status = statusSlot();
  const list = h('div', {});
  const drawList = () =>
    list.replaceChildren(
      table(
        'Revocations',
        ['Revokes', 'Which', 'Since', 'Id'],
        revocations.map((r) => {
          const [kind, which] = describe(r);
          return row(kind, h('code', { class: 'wrap' }, which), time(r.createdAt), h('code', {}, r.id));
        }),
        'No revocation: every unexpired session of this app passes.',
      ),
    );
  drawList();

  function revokeForm(title: string, label: string, input: HTMLInputElement, body: () => Record<string, string>, confirmText: (v: string) => string): HTMLElement {
    const refusal = alertSlot();
    const form = h('form', { class: 'card inline' }, h('h2', {}, title), field(label, input), refusal.el, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, title)));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      refusal.clear();
      if (!(await confirmDialog(`${title}?`, confirmText(input.value), 'Revoke'))) return;
      try {
        const { data } = await api<{ data: Revocation }>('POST', path, { body: body() });
        revocations.unshift(data);
        drawList();
        form.reset();
        status.say('Revoked: from the next request, introspection refuses the sessions it names.');
      } catch (error) {
        refusal.show(error as ApiError);
      }
    });
    return form;
  }

  const jti = h('input', { name: 'jti', required: true, spellcheck: 'false' });
  const userId = h('input', { name: 'userId', required: true, spellcheck: 'false' });
  const before = h('input', { name: 'issuedBefore', type: 'datetime-local', required: true, step: 1 });

  return h(
    'section',
    {},
    ...appNav(ref, '/revocations'),
    h('h1', {}, 'Revocations'),
    status.el,
    revokeForm('Revoke a user’s sessions', 'User id (sub)', userId, () => ({ userId: userId.value }), (v) => `Every session of ${v} issued until now stops passing introspection.`),
    revokeForm('Revoke one session', 'Session id (jti)', jti, () => ({ jti: jti.value }), (v) => `Session ${v} stops passing introspection.`),
    revokeForm(
      'Revoke sessions issued before a time',
      'Issued before (your local time)',
      before,
      () => ({ issuedBefore: new Date(before.value).toISOString() }),
      (v) => `Every session of this app issued before ${new Date(v).toLocaleString()} stops passing introspection.`,
    ),
    list,
  );
}
