// The apps of one project: name, id, enabled, anonymous access, domains; and
// creating an app (one POST), which adds its row without a reload.
import { api, appsPath, type ApiError, type App } from '../api.js';
import { alertSlot, field, fill, h, link, row, statusSlot, table } from '../dom.js';
import type { Ctx } from '../main.js';

/** Domains as typed: one per line or separated by commas. */
export const parseDomains = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);

const yesNo = (value: boolean) => (value ? 'Yes' : 'No');

export async function appsScreen(ctx: Ctx, tenantId: string, projectId: string): Promise<HTMLElement> {
  const path = appsPath(tenantId, projectId);
  const apps: App[] = [];
  let total = 0;
  let pages = 0;
  // A hundred at a time (the API's largest page), oldest first.
  async function loadPage(): Promise<void> {
    const page = await api<{ data: App[]; pagination: { total: number } }>('GET', `${path}?page=${pages + 1}&limit=100`);
    pages += 1;
    // An app created here meanwhile may come again on a later page.
    apps.push(...page.data.filter((a) => !apps.some((b) => b.id === a.id)));
    total = page.pagination.total;
  }
  await loadPage();
  const moreRefusal = alertSlot();
  const more = h('button', { type: 'button' }, 'Load more apps');
  more.addEventListener('click', async () => {
    moreRefusal.clear();
    try {
      await loadPage();
      drawList();
    } catch (error) {
      moreRefusal.show(error as ApiError);
    }
  });
  const appRow = (a: App) =>
    row(
      link(`/projects/${tenantId}/${projectId}/apps/${a.id}`, a.name),
      h('code', {}, a.id),
      yesNo(a.enabled),
      yesNo(a.config.webClient.allowAnonymous),
      a.config.webClient.allowedDomains.join(', '),
    );
  const list = h('div', {});
  const drawList = () => {
    more.hidden = apps.length >= total;
    fill(
      list,
      table(`Apps of ${tenantId} / ${projectId}`, ['Name', 'Id', 'Enabled', 'Anonymous access', 'Allowed domains'], apps.map(appRow), 'This project has no app yet.'),
      total > apps.length ? h('p', {}, `${apps.length} of ${total} apps shown.`) : null,
    );
  };
  drawList();

  const name = h('input', { name: 'name', required: true, maxlength: 200 });
  const domains = h('textarea', { name: 'allowedDomains', rows: 2, required: true, spellcheck: 'false' });
  const anonymous = h('input', { type: 'checkbox', role: 'switch', id: 'new-app-anonymous', checked: true });
  const refusal = alertSlot();
  const status = statusSlot();
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Create an app'),
    field('App name', name),
    field('Allowed domains', domains, 'One per line or separated by commas: docs.example.com, *.example.com, localhost:5173'),
    h('div', { class: 'switch' }, anonymous, h('label', { for: anonymous.id }, 'Allow anonymous sessions')),
    refusal.el,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create app')),
    status.el,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    refusal.clear();
    try {
      const { data: app } = await api<{ data: App }>('POST', path, {
        body: { name: name.value, config: { webClient: { allowedDomains: parseDomains(domains.value), allowAnonymous: anonymous.checked } } },
      });
      apps.push(app);
      total += 1;
      drawList();
      form.reset();
      status.say(`Created ${app.name} (${app.id}).`);
    } catch (error) {
      refusal.show(error as ApiError);
    }
  });

  return h('section', {}, h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('ol', {}, h('li', {}, link('/', 'Projects')), h('li', { 'aria-current': 'page' }, `${tenantId} / ${projectId}`))), h('h1', {}, `Apps of ${tenantId} / ${projectId}`), list, moreRefusal.el, h('div', { class: 'actions' }, more), form);
}
