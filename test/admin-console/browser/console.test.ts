// The admin console (§7) in Chromium against a real latchkey on this run's
// store, used as an admin would — and as a screen reader finds things: every
// control by its role and accessible name. What the admin does in the console
// is then checked where it matters: the run API, introspection, the audit log.
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { MANAGE_KEY } from '../../support/harness.js';
import { ecKey, edKey } from '../../support/keys.js';
import { describeInBrowser, launchChromium } from '../../packages/browser/support.js';
import { ARTIFACTS, AXE_INIT_SCRIPT, expectAccessible, README_SCREENSHOT, screenshots, startConsoleService, storedInBrowser, type ConsoleService } from './support.js';

const SITE = 'https://docs.example.com';

describeInBrowser('the admin console in Chromium', () => {
  let latchkey: ConsoleService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every URL any page asked for, and every URL a page showed. */
  const requested: string[] = [];
  const visited: string[] = [];
  /** Secrets typed into the console: none may reach a URL or a log line. */
  const secrets = [MANAGE_KEY];
  // Shared by the tests below, in order: the app the first one creates.
  let app: { id: string; url: string };

  beforeAll(async () => {
    latchkey = await startConsoleService();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await latchkey?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript(AXE_INIT_SCRIPT);
    context.on('request', (request) => void requested.push(request.url()));
    page = await context.newPage();
    page.on('framenavigated', (frame) => void visited.push(frame.url()));
  });
  afterEach(async () => {
    await context.close();
  });

  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });

  async function signIn(key: string): Promise<void> {
    await page.goto(`${latchkey.url}/admin`);
    await page.getByLabel('Management API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function run(method: string, path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${latchkey.url}${path}`, { method, headers });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  const anonymousSession = (appId: string) => run('POST', `/run/auth/apps/${appId}/anonymous-session`, { Origin: SITE });
  const manageApp = () => latchkey.manage<{ data: { config: { webClient: { allowedDomains: string[]; allowAnonymous: boolean } } } }>('GET', `/manage/tenants/t1/projects/p1/apps/${app.id}`);

  it('signs in with the root key from the keyboard alone, then creates an app, edits its domains and anonymous access, and shows both changes in its audit events', async () => {
    await page.goto(`${latchkey.url}/admin`);
    await expect.poll(() => heading('Sign in to latchkey').isVisible()).toBe(true);
    await expectAccessible(page, 'sign-in');
    await screenshots(page, 'sign-in');
    await page.keyboard.press('Tab');
    await page.keyboard.type(MANAGE_KEY);
    await page.keyboard.press('Enter');
    await heading('Projects').waitFor();
    await expect.poll(() => page.getByText('Signed in with root key').isVisible()).toBe(true);
    expect(await storedInBrowser(page)).toEqual([1, 0, '']);
    await expectAccessible(page, 'projects');

    // A new project has no app yet, so it is opened by its ids.
    await page.getByLabel('Tenant id').fill('t1');
    await page.getByLabel('Project id').fill('p1');
    await page.getByRole('button', { name: 'Open project' }).click();
    await heading('Apps of t1 / p1').waitFor();
    await page.getByLabel('App name').fill('Docs Chat');
    await page.getByLabel('Allowed domains').fill('docs.example.com');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('status').filter({ hasText: /Created Docs Chat \(app_/ }).waitFor();
    await expectAccessible(page, 'apps');
    await screenshots(page, 'apps');

    await page.getByRole('link', { name: 'Docs Chat' }).click();
    await heading('Docs Chat').waitFor();
    const id = /apps\/(app_[A-Za-z0-9_-]+)$/.exec(page.url())![1]!;
    app = { id, url: page.url() };

    // Add, then remove, an allowed domain: one PATCH each, the list follows without a reload.
    await page.getByLabel('New allowed domain').fill('help.example.com');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('button', { name: 'Remove help.example.com' }).waitFor();
    expect((await manageApp()).data.config.webClient.allowedDomains).toEqual(['docs.example.com', 'help.example.com']);
    // The README's picture of the console: LATCHKEY_UPDATE_SCREENSHOT=1 npx vitest run --project console
    if (process.env.LATCHKEY_UPDATE_SCREENSHOT === '1') {
      await page.getByRole('status').evaluate((status) => status.replaceChildren());
      await page.screenshot({ path: README_SCREENSHOT });
    }
    await page.getByRole('button', { name: 'Remove help.example.com' }).click();
    await page.getByRole('button', { name: 'Remove help.example.com' }).waitFor({ state: 'detached' });
    expect((await manageApp()).data.config.webClient.allowedDomains).toEqual(['docs.example.com']);

    // What the API refuses is shown next to the control, with its message and code.
    await page.getByLabel('New allowed domain').fill('https://docs.example.com/path');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'validation_failed' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('The request is not valid.');

    // Anonymous access off: the run API refuses an anonymous session; back on: it issues one.
    const anonymous = page.getByRole('switch', { name: 'Allow anonymous sessions' });
    expect(await anonymous.isChecked()).toBe(true);
    await anonymous.uncheck();
    await page.getByRole('status').filter({ hasText: 'Anonymous sessions are refused.' }).waitFor();
    expect(await anonymousSession(id)).toMatchObject({ status: 401, body: { error: { code: 'anonymous_disabled' } } });
    await expectAccessible(page, 'app settings');
    await screenshots(page, 'app-settings');
    await anonymous.check();
    await page.getByRole('status').filter({ hasText: 'Anonymous sessions are allowed.' }).waitFor();
    expect((await anonymousSession(id)).status).toBe(200);

    // Dark mode is as readable.
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, 'app settings (dark)');
    await page.screenshot({ path: join(ARTIFACTS, 'app-settings-dark-1440.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('link', { name: 'Audit events' }).click();
    await heading('Audit events').waitFor();
    const events = page.getByRole('table', { name: 'Audit events, newest first' });
    await expect.poll(() => events.textContent()).toContain('config.webClient.allowAnonymous: true → false');
    expect(await events.textContent()).toContain('config.webClient.allowAnonymous: false → true');
    expect(await events.textContent()).toContain('app.created');
    await expectAccessible(page, 'audit events');
    await screenshots(page, 'audit-events');
  });

  it('uploads public keys from a PEM file and by pasting, shows their thumbprints, refuses a private key with the API’s message, and deletes one after confirming', async () => {
    await signIn(MANAGE_KEY);
    await heading('Projects').waitFor();
    await page.goto(`${app.url}/keys`);
    await heading('Public keys').waitFor();
    await expectAccessible(page, 'public keys (none)');

    await page.getByLabel('Key id (kid)').fill('from-file');
    await page.getByLabel('Algorithm').selectOption('ES256');
    await page.getByLabel('Or choose a PEM file').setInputFiles({ name: 'customer.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(ecKey('P-256').publicPem) });
    await expect.poll(() => page.getByLabel('Public key (PEM)').inputValue()).toContain('BEGIN PUBLIC KEY');
    await page.getByRole('button', { name: 'Upload key' }).click();
    await page.getByRole('button', { name: 'Delete key from-file' }).waitFor();

    await page.getByLabel('Key id (kid)').fill('pasted');
    await page.getByLabel('Algorithm').selectOption('EdDSA');
    await page.getByLabel('Public key (PEM)').fill(edKey().publicPem);
    await page.getByRole('button', { name: 'Upload key' }).click();
    await page.getByRole('button', { name: 'Delete key pasted' }).waitFor();

    const stored = await latchkey.manage<{ data: { kid: string; thumbprint: string }[] }>('GET', `/manage/tenants/t1/projects/p1/apps/${app.id}/auth-keys`);
    expect(stored.data.map((k) => k.kid)).toEqual(['from-file', 'pasted']);
    const keys = page.getByRole('table', { name: 'Public keys' });
    for (const key of stored.data) {
      expect(await keys.getByRole('row').filter({ hasText: key.kid }).textContent()).toContain(key.thumbprint);
    }

    // A private key: the API's own message, and its code, beside the form.
    const privatePem = ecKey('P-256').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const apiAnswer = await fetch(`${latchkey.url}/manage/tenants/t1/projects/p1/apps/${app.id}/auth-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${MANAGE_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ kid: 'private', algorithm: 'ES256', publicKey: privatePem }),
    }).then((r) => r.json() as Promise<{ error: { code: string; message: string } }>);
    expect(apiAnswer.error.code).toBe('invalid_public_key');
    await page.getByLabel('Key id (kid)').fill('private');
    await page.getByLabel('Algorithm').selectOption('ES256');
    await page.getByLabel('Public key (PEM)').fill(privatePem);
    await page.getByRole('button', { name: 'Upload key' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'invalid_public_key' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(apiAnswer.error.message);

    // Delete asks first; Cancel keeps the key, confirming deletes it.
    await page.getByRole('button', { name: 'Delete key from-file' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete key from-file?' });
    await dialog.waitFor();
    await expectAccessible(page, 'delete-key dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await latchkey.manage<{ data: unknown[] }>('GET', `/manage/tenants/t1/projects/p1/apps/${app.id}/auth-keys`)).data).toHaveLength(2);
    await page.getByRole('button', { name: 'Delete key from-file' }).click();
    await dialog.getByRole('button', { name: 'Delete key' }).click();
    await page.getByRole('button', { name: 'Delete key from-file' }).waitFor({ state: 'detached' });
    const left = await latchkey.manage<{ data: { kid: string }[] }>('GET', `/manage/tenants/t1/projects/p1/apps/${app.id}/auth-keys`);
    expect(left.data.map((k) => k.kid)).toEqual(['pasted']);
    await expectAccessible(page, 'public keys');
    await screenshots(page, 'public-keys');
  });

  it('revokes a user’s sessions, and introspection then refuses that user’s token', async () => {
    const session = await anonymousSession(app.id);
    expect(session.status).toBe(200);
    const introspect = () => run('GET', `/run/auth/apps/${app.id}/session`, { Authorization: `Bearer ${session.body.token}` });
    expect((await introspect()).status).toBe(200);

    await signIn(MANAGE_KEY);
    await heading('Projects').waitFor();
    await page.goto(`${app.url}/revocations`);
    await heading('Revocations').waitFor();
    await expectAccessible(page, 'revocations');
    await page.getByLabel('User id (sub)').fill(session.body.userId);
    await page.getByRole('button', { name: /^Revoke a user.s sessions$/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('table', { name: 'Revocations' }).getByText(session.body.userId).waitFor();
    expect(await introspect()).toMatchObject({ status: 401, body: { error: { code: 'invalid_token', reason: 'revoked' } } });
    await screenshots(page, 'revocations');
  });

  it('shows a root key the signing keys (rotated after confirming) and the management keys, whose new secret is shown once', async () => {
    await signIn(MANAGE_KEY);
    await page.getByRole('link', { name: 'Signing keys' }).click();
    await heading('Signing keys').waitFor();
    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    await page.getByRole('dialog', { name: 'Rotate the signing key?' }).getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('status').filter({ hasText: /New signing key .* is pending\./ }).waitFor();
    const statuses = await latchkey.manage<{ data: { status: string }[] }>('GET', '/manage/signing-keys');
    expect(statuses.data.map((k) => k.status).sort()).toEqual(['current', 'pending']);
    await expectAccessible(page, 'signing keys');
    await screenshots(page, 'signing-keys');

    await page.getByRole('link', { name: 'Management keys' }).click();
    await heading('Management keys').waitFor();
    await page.getByLabel('Key name').fill('Tenant two admin');
    await page.getByLabel('Tenant id').fill('t2');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('#new-key-secret').textContent())!;
    expect(secret).toMatch(/^lk_mgmt_/);
    secrets.push(secret);
    await page.getByRole('button', { name: 'Copy key' }).waitFor();
    await page.getByRole('button', { name: 'Revoke management key Tenant two admin' }).waitFor();
    await expectAccessible(page, 'management keys');
    await screenshots(page, 'management-keys');
  });

  it('shows a scoped key only its tenant’s projects, and no service screen', async () => {
    await latchkey.manage('POST', '/manage/tenants/t2/projects/p9/apps', { name: 'Tenant two app', config: { webClient: { allowedDomains: ['two.example.com'] } } });
    const scoped = secrets[1]!;
    await signIn(scoped);
    await heading('Projects').waitFor();
    const projects = page.getByRole('table', { name: 'Projects you may manage' });
    await projects.getByRole('link', { name: 't2 / p9' }).waitFor();
    expect(await projects.getByRole('link').allTextContents()).toEqual(['t2 / p9']);
    expect(await page.getByRole('link', { name: 'Signing keys' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Management keys' }).count()).toBe(0);
    expect(await page.getByText('Signed in with Tenant two admin (tenant t2)').count()).toBe(1);
    await page.goto(`${latchkey.url}/admin#/signing-keys`);
    await heading('Not found').waitFor();
    await expectAccessible(page, 'projects (scoped)');
  });

  it('shows a wrong key’s refusal with the API’s message and code, and stores nothing', async () => {
    await signIn('lk_mgmt_not-a-key-at-all');
    const refusal = page.getByRole('alert').filter({ hasText: 'unauthorized' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('A valid management API key is required.');
    expect(await heading('Sign in to latchkey').isVisible()).toBe(true);
    expect(await storedInBrowser(page)).toEqual([0, 0, '']);
    await expectAccessible(page, 'sign-in refused');
  });

  it('signs out: the key is forgotten', async () => {
    await signIn(MANAGE_KEY);
    await heading('Projects').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading('Sign in to latchkey').waitFor();
    expect(await storedInBrowser(page)).toEqual([0, 0, '']);
  });

  it('deletes an app after confirming, and lists the project without it', async () => {
    const doomed = await latchkey.createApp({ name: 'Short-lived' });
    await signIn(MANAGE_KEY);
    await heading('Projects').waitFor();
    await page.goto(`${latchkey.url}/admin#/projects/t1/p1/apps/${doomed.id}`);
    await heading('Short-lived').waitFor();
    await page.getByRole('button', { name: 'Delete app' }).click();
    await page.getByRole('dialog', { name: 'Delete Short-lived?' }).getByRole('button', { name: 'Delete app' }).click();
    await heading('Apps of t1 / p1').waitFor();
    await page.getByRole('link', { name: 'Docs Chat' }).waitFor();
    expect(await page.getByRole('link', { name: 'Short-lived' }).count()).toBe(0);
    expect((await run('GET', `/manage/tenants/t1/projects/p1/apps/${doomed.id}`, { Authorization: `Bearer ${MANAGE_KEY}` })).status).toBe(404);
  });

  it('lists a project of more than 100 apps a hundred at a time', async () => {
    for (let i = 1; i <= 101; i++) {
      await latchkey.manage('POST', '/manage/tenants/t3/projects/big/apps', { name: `App ${i}`, config: { webClient: { allowedDomains: ['big.example.com'] } } });
    }
    await signIn(MANAGE_KEY);
    await page.getByRole('link', { name: 't3 / big' }).click();
    await heading('Apps of t3 / big').waitFor();
    const apps = page.getByRole('table', { name: 'Apps of t3 / big' });
    expect(await apps.getByRole('link').count()).toBe(100);
    await page.getByText('100 of 101 apps shown.').waitFor();
    await page.getByRole('button', { name: 'Load more apps' }).click();
    await apps.getByRole('link', { name: 'App 101' }).waitFor();
    expect(await apps.getByRole('link').count()).toBe(101);
    expect(await page.getByRole('button', { name: 'Load more apps' }).isVisible()).toBe(false);
  });

  it('sends an admin whose key was revoked meanwhile back to sign-in, saying why, and forgets the key', async () => {
    const created = await latchkey.manage<{ data: { id: string }; secret: string }>('POST', '/manage/api-keys', { name: 'Soon revoked', tenantId: 't1' });
    secrets.push(created.secret);
    await signIn(created.secret);
    await page.getByRole('link', { name: 't1 / p1' }).waitFor();
    await latchkey.manage('DELETE', `/manage/api-keys/${created.data.id}`);
    await page.getByRole('link', { name: 't1 / p1' }).click();
    await heading('Sign in to latchkey').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('unauthorized');
    expect(await storedInBrowser(page)).toEqual([0, 0, '']);
  });

  it('loaded nothing from another origin, and put no key in a URL or a log line', () => {
    expect(requested.length).toBeGreaterThan(10);
    // data: is no origin: the page's empty icon is inline (CSP img-src data:), so no /favicon.ico is asked for.
    expect(requested.filter((url) => !url.startsWith(`${latchkey.url}/`) && !url.startsWith('data:'))).toEqual([]);
    for (const secret of secrets) {
      expect([...requested, ...visited].filter((url) => url.includes(secret))).toEqual([]);
      expect(latchkey.logLines.filter((line) => line.includes(secret))).toEqual([]);
    }
    // The log did see the console's requests (so the check above looked at something).
    expect(latchkey.logLines.some((line) => line.includes('/manage/me'))).toBe(true);
  });
});
