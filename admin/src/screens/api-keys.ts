// Scoped management keys (§2.3), root only: create one (its secret is shown
// this once, with a copy button), list them, revoke one after a confirmation.
import { api, type ApiError } from '../api.js';
import { alertSlot, confirmDialog, field, h, row, statusSlot, table, time } from '../dom.js';
import type { Ctx } from '../main.js';

interface ApiKey {
  id: string;
  name: string;
  tenantId: string;
  projectId: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function apiKeysScreen(_ctx: Ctx): Promise<HTMLElement> {
  const keys = (await api<{ data: ApiKey[] }>('GET', '/api-keys')).data;
  const status = statusSlot();
  const listRefusal = alertSlot();
  const list = h('div', {});

  function drawList(): void {
    const rows = keys.map((k) => {
      let action: HTMLElement | string = 'Revoked';
      if (!k.revokedAt) {
        const revoke = h('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke management key ${k.name}` }, 'Revoke');
        revoke.addEventListener('click', async () => {
          listRefusal.clear();
          if (!(await confirmDialog(`Revoke ${k.name}?`, 'Requests with this key are refused from the next one on.', 'Revoke key'))) return revoke.focus();
          try {
            await api('DELETE', `/api-keys/${encodeURIComponent(k.id)}`);
            k.revokedAt = new Date().toISOString();
            drawList();
            status.say(`Revoked ${k.name}.`);
          } catch (error) {
            listRefusal.show(error as ApiError);
          }
        });
        action = revoke;
      }
      return row(k.name, h('code', {}, k.id), k.tenantId, k.projectId ?? 'all', time(k.createdAt), time(k.expiresAt), time(k.lastUsedAt), action);
    });
    list.replaceChildren(table('Management keys', ['Name', 'Id', 'Tenant', 'Project', 'Created', 'Expires', 'Last used', 'Actions'], rows, 'No scoped key yet.'));
  }
  drawList();

  const name = h('input', { name: 'name', required: true });
  const tenant = h('input', { name: 'tenantId', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}' });
  const project = h('input', { name: 'projectId', pattern: '[A-Za-z0-9_\\-]{1,64}' });
  const expires = h('input', { name: 'expiresAt', type: 'datetime-local' });
  const refusal = alertSlot();
  const secretBox = h('div', { class: 'card secret' });
  secretBox.hidden = true;
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Create a management key'),
    field('Key name', name),
    field('Tenant id', tenant),
    field('Project id (optional)', project, 'Empty: every project of the tenant.'),
    field('Expires (optional, your local time)', expires),
    refusal.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create key')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    refusal.clear();
    const body: Record<string, string> = { name: name.value, tenantId: tenant.value };
    if (project.value) body.projectId = project.value;
    if (expires.value) body.expiresAt = new Date(expires.value).toISOString();
    try {
      const created = await api<{ data: ApiKey; secret: string }>('POST', '/api-keys', { body });
      keys.push(created.data);
      drawList();
      form.reset();
      showSecret(created.data.name, created.secret);
    } catch (error) {
      refusal.show(error as ApiError);
    }
  });

  function showSecret(keyName: string, secret: string): void {
    const output = h('output', { class: 'mono wrap', id: 'new-key-secret' }, secret);
    const copyStatus = statusSlot();
    const copy = h('button', { type: 'button' }, 'Copy key');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(secret);
        copyStatus.say('Copied.');
      } catch {
        // No clipboard permission: select it, so Ctrl+C copies it.
        getSelection()?.selectAllChildren(output);
        copyStatus.say('Selected: press Ctrl+C (⌘C) to copy.');
      }
    });
    secretBox.replaceChildren(
      h('h2', {}, `Secret of ${keyName}`),
      h('p', {}, 'Shown this once: only its hash is stored. Copy it now.'),
      output,
      h('div', { class: 'actions' }, copy),
      copyStatus.el,
    );
    secretBox.hidden = false;
    copy.focus();
  }

  return h('section', {}, h('h1', {}, 'Management keys'), status.el, listRefusal.el, list, secretBox, form);
}
