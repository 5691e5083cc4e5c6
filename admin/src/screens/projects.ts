// Projects (§2.7): every tenant and project with apps that the key may reach,
// and a way into a project that has none yet (to create its first app).
import { api } from '../api.js';
import { field, h, link, row, table } from '../dom.js';
import type { Ctx } from '../main.js';

interface Project {
  tenantId: string;
  projectId: string;
  apps: number;
}

export async function projectsScreen(ctx: Ctx): Promise<HTMLElement> {
  const { data } = await api<{ data: Project[] }>('GET', '/projects');
  const rows = data.map((p) => row(link(`/projects/${p.tenantId}/${p.projectId}`, `${p.tenantId} / ${p.projectId}`), p.tenantId, p.projectId, p.apps));

  // A scoped key's tenant (and project) is fixed: shown, not asked.
  const tenant = h('input', { name: 'tenantId', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', value: ctx.me.tenantId ?? '', readonly: ctx.me.type === 'api_key' });
  const project = h('input', { name: 'projectId', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', value: ctx.me.projectId ?? '', readonly: Boolean(ctx.me.projectId) });
  const open = h(
    'form',
    { class: 'card inline' },
    h('h2', {}, 'Open a project'),
    h('p', {}, 'A project appears in the list once it has an app. To create the first app of a new project, open it by its ids.'),
    field('Tenant id', tenant),
    field('Project id', project),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Open project')),
  );
  open.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.go(`/projects/${tenant.value}/${project.value}`);
  });

  return h(
    'section',
    {},
    h('h1', {}, 'Projects'),
    table('Projects you may manage', ['Project', 'Tenant', 'Project id', 'Apps'], rows, 'No project has an app yet.'),
    open,
  );
}
