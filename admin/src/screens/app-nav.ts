// Where an app's screens sit: a breadcrumb back to its project, and the tabs
// between its settings, keys, revocations and audit events.
import { h, link } from '../dom.js';

export interface AppRef {
  tenantId: string;
  projectId: string;
  appId: string;
}

export const appRoute = (a: AppRef) => `/projects/${a.tenantId}/${a.projectId}/apps/${a.appId}`;
export const appPath = (a: AppRef) =>
  `/tenants/${encodeURIComponent(a.tenantId)}/projects/${encodeURIComponent(a.projectId)}/apps/${encodeURIComponent(a.appId)}`;

const TABS = [
  ['', 'Settings'],
  ['/keys', 'Public keys'],
  ['/revocations', 'Revocations'],
  ['/audit', 'Audit events'],
] as const;

export function appNav(a: AppRef, current: (typeof TABS)[number][0]): HTMLElement[] {
  return [
    h(
      'nav',
      { 'aria-label': 'Breadcrumb', class: 'crumbs' },
      h('ol', {}, h('li', {}, link('/', 'Projects')), h('li', {}, link(`/projects/${a.tenantId}/${a.projectId}`, `${a.tenantId} / ${a.projectId}`)), h('li', {}, h('code', {}, a.appId))),
    ),
    h(
      'nav',
      { 'aria-label': 'App', class: 'tabs' },
      h('ul', {}, ...TABS.map(([suffix, label]) => h('li', {}, link(`${appRoute(a)}${suffix}`, label, suffix === current ? { 'aria-current': 'page' } : {})))),
    ),
  ];
}
