// The console's shell: who is signed in, the navigation a key's scope allows,
// and a hash router (#/projects/t1/p1/apps/app_…), so the page is one file the
// service serves at /admin and a screen's address holds ids, never the key.
import './style.css';
import { api, ApiError } from './api.js';
import { h, link } from './dom.js';
import { appAuditScreen } from './screens/app-audit.js';
import { appKeysScreen } from './screens/app-keys.js';
import { appRevocationsScreen } from './screens/app-revocations.js';
import { appSettingsScreen } from './screens/app-settings.js';
import { apiKeysScreen } from './screens/api-keys.js';
import { appsScreen } from './screens/apps.js';
import { projectsScreen } from './screens/projects.js';
import { signInScreen } from './screens/sign-in.js';
import { signingKeysScreen } from './screens/signing-keys.js';
import { forgetKey, storedKey, type Me } from './session.js';

export interface Ctx {
  me: Me;
  /** Opens a console route, e.g. `/projects/t1/p1`. */
  go(route: string): void;
}

const root = document.getElementById('console')!;
let me: Me | null = null;

function go(route: string): void {
  if (location.hash === `#${route}`) void render();
  else location.hash = route;
}

function signOut(): void {
  forgetKey();
  me = null;
  go('/');
}

function shell(who: Me, main: HTMLElement): HTMLElement {
  const isRoot = who.type === 'root';
  const scope = isRoot ? 'root key' : `${who.name} (tenant ${who.tenantId}${who.projectId ? `, project ${who.projectId}` : ''})`;
  return h(
    'div',
    { class: 'layout' },
    h(
      'header',
      {},
      h('p', { class: 'brand' }, 'latchkey admin'),
      h(
        'nav',
        { 'aria-label': 'Console' },
        h('ul', {}, h('li', {}, link('/', 'Projects')), isRoot && h('li', {}, link('/signing-keys', 'Signing keys')), isRoot && h('li', {}, link('/api-keys', 'Management keys'))),
      ),
      h('p', { class: 'who' }, 'Signed in with ', h('strong', {}, scope)),
      h('button', { type: 'button', onclick: signOut }, 'Sign out'),
    ),
    main,
  );
}

async function screenFor(route: string[], ctx: Ctx): Promise<HTMLElement> {
  const [first, tenantId, projectId, apps, appId, tab] = route;
  const isRoot = ctx.me.type === 'root';
  if (first === undefined) return projectsScreen(ctx);
  if (first === 'signing-keys' && isRoot && route.length === 1) return signingKeysScreen(ctx);
  if (first === 'api-keys' && isRoot && route.length === 1) return apiKeysScreen(ctx);
  if (first === 'projects' && tenantId && projectId) {
    if (apps === undefined) return appsScreen(ctx, tenantId, projectId);
    if (apps === 'apps' && appId) {
      const app = { tenantId, projectId, appId };
      if (tab === undefined) return appSettingsScreen(ctx, app);
      if (tab === 'keys') return appKeysScreen(ctx, app);
      if (tab === 'revocations') return appRevocationsScreen(ctx, app);
      if (tab === 'audit') return appAuditScreen(ctx, app);
    }
  }
  return h('section', {}, h('h1', {}, 'Not found'), h('p', {}, 'This screen does not exist, or your key may not open it. '), link('/', 'Back to projects'));
}

let rendering = 0;
async function render(): Promise<void> {
  const turn = ++rendering;
  const main = h('main', { id: 'main', tabindex: -1 });
  if (!storedKey()) {
    me = null;
    root.replaceChildren(h('div', { class: 'layout' }, main));
    main.append(signInScreen({ onSignedIn: (who) => ((me = who), go('/')) }));
    document.title = 'Sign in · latchkey admin';
    return;
  }
  try {
    me ??= (await api<{ data: Me }>('GET', '/me')).data;
    const route = decodeURIComponent(location.hash.replace(/^#\/?/, '')).split('/').filter(Boolean);
    const screen = await screenFor(route, { me, go });
    if (turn !== rendering) return;
    main.append(screen);
  } catch (error) {
    if (turn !== rendering) return;
    if (error instanceof ApiError && error.status === 401) {
      // The key was revoked or expired meanwhile: back to sign-in, saying why.
      forgetKey();
      me = null;
      root.replaceChildren(h('div', { class: 'layout' }, main));
      main.append(signInScreen({ onSignedIn: (who) => ((me = who), go('/')), refusal: error }));
      return;
    }
    const e = error instanceof ApiError ? error : new ApiError(0, 'console_error', String(error));
    main.append(h('section', {}, h('h1', {}, 'Something went wrong'), h('div', { role: 'alert', class: 'alert' }, h('strong', {}, e.message), ' ', h('code', {}, e.code))));
  }
  root.replaceChildren(me ? shell(me, main) : h('div', { class: 'layout' }, main));
  const heading = main.querySelector('h1');
  document.title = `${heading?.textContent ?? 'latchkey'} · latchkey admin`;
  // A new screen is announced by moving focus to its heading.
  heading?.setAttribute('tabindex', '-1');
  heading?.focus();
}

window.addEventListener('hashchange', () => void render());
void render();
