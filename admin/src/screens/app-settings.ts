// One app's settings: every field of §2.1. The anonymous access switch comes
// first. Each change is one PATCH (merge-patch: only what changed is sent), and
// the screen shows the app the API answered with, so what you see is stored.
import { api, type ApiError, type App } from '../api.js';
import { alertSlot, confirmDialog, field, fill, h, statusSlot, time, toggle } from '../dom.js';
import type { Ctx } from '../main.js';
import { appNav, appPath, type AppRef } from './app-nav.js';
import { parseDomains } from './apps.js';

export async function appSettingsScreen(ctx: Ctx, ref: AppRef): Promise<HTMLElement> {
  const path = appPath(ref);
  let app = (await api<{ data: App }>('GET', path)).data;
  const heading = h('h1', {}, app.name);
  const meta = h('p', { class: 'meta' });
  const status = statusSlot();

  /** Sends one merge-patch; on success the screen takes the API's answer. */
  async function patch(body: Record<string, unknown>, refusal: ReturnType<typeof alertSlot>, done: string): Promise<boolean> {
    refusal.clear();
    try {
      app = (await api<{ data: App }>('PATCH', path, { body })).data;
      redraw();
      status.say(done);
      return true;
    } catch (error) {
      refusal.show(error as ApiError);
      return false;
    }
  }
  const webClient = (fields: Record<string, unknown>) => ({ config: { webClient: fields } });

  // Access: the two switches.
  const accessRefusal = alertSlot();
  const anonymous = toggle('Allow anonymous sessions', app.config.webClient.allowAnonymous, async (input) => {
    const on = input.checked;
    if (!(await patch(webClient({ allowAnonymous: on }), accessRefusal, on ? 'Anonymous sessions are allowed.' : 'Anonymous sessions are refused.'))) input.checked = !on;
  });
  const enabled = toggle('App enabled', app.enabled, async (input) => {
    const on = input.checked;
    if (!(await patch({ enabled: on }, accessRefusal, on ? 'The app is enabled.' : 'The app is disabled: it issues no session.'))) input.checked = !on;
  });

  // Allowed domains: remove one, add one.
  const domainsRefusal = alertSlot();
  const domainList = h('ul', { class: 'domains' });
  const newDomain = h('input', { name: 'domain', required: true, spellcheck: 'false' });
  const addDomain = h(
    'form',
    { class: 'inline' },
    field('New allowed domain', newDomain),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add domain')),
  );
  addDomain.addEventListener('submit', async (event) => {
    event.preventDefault();
    const added = parseDomains(newDomain.value);
    if (await patch(webClient({ allowedDomains: [...app.config.webClient.allowedDomains, ...added] }), domainsRefusal, `Added ${added.join(', ')}.`)) {
      addDomain.reset();
    }
  });

  // Details.
  const detailsRefusal = alertSlot();
  const name = h('input', { name: 'name', required: true, maxlength: 200 });
  const description = h('input', { name: 'description' });
  const agent = h('input', { name: 'defaultAgentId' });
  const prompt = h('textarea', { name: 'prompt', rows: 3, maxlength: 10000 });
  const details = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Details'),
    field('Name', name),
    field('Description', description),
    field('Default agent id', agent),
    field('Prompt', prompt, 'Given to every widget session of this app (not a secret).'),
    detailsRefusal.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save details')),
  );
  details.addEventListener('submit', async (event) => {
    event.preventDefault();
    // Empty optional text means "not set" (null), as the API stores it.
    const wanted: Record<string, string | null> = {
      name: name.value,
      description: description.value || null,
      defaultAgentId: agent.value || null,
      prompt: prompt.value || null,
    };
    const changed = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => app[k as keyof App] !== v));
    if (Object.keys(changed).length === 0) return status.say('Nothing to save.');
    await patch(changed, detailsRefusal, 'Details saved.');
  });

  // Customer-token policy (§2.1, §4.2 step 9).
  const policyRefusal = alertSlot();
  const audience = h('input', { name: 'audience', maxlength: 255 });
  const issuer = h('input', { name: 'issuer', maxlength: 255 });
  const singleUse = h('input', { type: 'checkbox', id: 'policy-single-use', name: 'singleUse' });
  const policy = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Customer-token policy'),
    h('p', {}, 'Checked on every customer JWT after its signature; empty fields are not checked.'),
    field('Required audience (aud)', audience),
    field('Required issuer (iss)', issuer),
    h('div', { class: 'check' }, singleUse, h('label', { for: singleUse.id }, 'Each customer token may be exchanged once (single use, needs jti)')),
    policyRefusal.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save policy')),
  );
  policy.addEventListener('submit', async (event) => {
    event.preventDefault();
    const customerJwt = { audience: audience.value || null, issuer: issuer.value || null, singleUse: singleUse.checked ? true : null };
    await patch(webClient({ customerJwt }), policyRefusal, 'Customer-token policy saved.');
  });

  // Deleting the app.
  const deleteRefusal = alertSlot();
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete app');
  remove.addEventListener('click', async () => {
    deleteRefusal.clear();
    if (!(await confirmDialog(`Delete ${app.name}?`, 'Its public keys go with it and its sessions stop passing introspection. This cannot be undone.', 'Delete app'))) return;
    try {
      await api('DELETE', path);
      ctx.go(`/projects/${ref.tenantId}/${ref.projectId}`);
    } catch (error) {
      deleteRefusal.show(error as ApiError);
    }
  });

  function redraw(): void {
    heading.textContent = app.name;
    fill(meta, 'Id ', h('code', {}, app.id), ` · type ${app.type} · created `, time(app.createdAt), ' · updated ', time(app.updatedAt));
    anonymous.input.checked = app.config.webClient.allowAnonymous;
    enabled.input.checked = app.enabled;
    domainList.replaceChildren(
      ...app.config.webClient.allowedDomains.map((domain) => {
        const button = h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${domain}` }, 'Remove');
        button.addEventListener('click', () => {
          void patch(webClient({ allowedDomains: app.config.webClient.allowedDomains.filter((d) => d !== domain) }), domainsRefusal, `Removed ${domain}.`);
        });
        return h('li', {}, h('code', {}, domain), button);
      }),
    );
    name.value = app.name;
    description.value = app.description ?? '';
    agent.value = app.defaultAgentId ?? '';
    prompt.value = app.prompt ?? '';
    const jwt = app.config.webClient.customerJwt;
    audience.value = jwt.audience ?? '';
    issuer.value = jwt.issuer ?? '';
    singleUse.checked = jwt.singleUse === true;
  }
  redraw();

  return h(
    'section',
    {},
    ...appNav(ref, ''),
    heading,
    meta,
    status.el,
    h('div', { class: 'card' }, h('h2', {}, 'Access'), anonymous.row, enabled.row, accessRefusal.el),
    h('div', { class: 'card' }, h('h2', {}, 'Allowed domains'), h('p', {}, 'Pages on these origins may get sessions for this app.'), domainList, domainsRefusal.el, addDomain),
    details,
    policy,
    h('div', { class: 'card' }, h('h2', {}, 'Delete'), deleteRefusal.el, h('div', { class: 'actions' }, remove)),
  );
}

