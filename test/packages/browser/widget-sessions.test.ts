// @latchkey/browser in a real browser (Debian's Chromium, headless): a widget
// page on one origin, the package served from a second (a CDN), latchkey on
// a third, and the customer's backend beside the page. What a widget's user
// would notice: a session without the page freezing, the same identity after
// a reload and across tabs, sign-in, the fallback and why, a backend's 401
// and the service's 429 handled once, and a refused origin named as such.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createVerifier } from '../../../packages/node/src/index.js';
import { POW_SECRET } from '../../support/harness.js';
import { startLatchkey, type LiveService } from '../../support/live-service.js';
import { anonymousSession } from '../node/session-tokens.js';
import { describeInBrowser, launchChromium, startCdn, startCustomerSite, type CustomerSite } from './support.js';

const ANON = /^anon_[0-9a-f-]{36}$/;
const SESSION_ROUTE = (appId: string) => `POST /run/auth/apps/${appId}/anonymous-session`;

interface Session {
  token: string;
  userId: string;
  authMethod: string;
  expiresAt: string;
  fallbackReason?: string;
}
interface SessionResult {
  session?: Session;
  error?: { name: string; code: string; status: number; retryAfter?: number; reason?: string };
  ms: number;
  longTasksDuring?: { start: number; end: number }[];
}

/** Calls fixtures/widget.js's `harness[method](...args)` in the page. */
function call<T = unknown>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([name, params]) => {
      const harness = (globalThis as unknown as { harness: Record<string, (...a: unknown[]) => unknown> }).harness;
      return harness[name]!(...params);
    },
    [method, args] as [string, unknown[]],
  ) as Promise<T>;
}

describeInBrowser('@latchkey/browser in Chromium', () => {
  let latchkey: LiveService;
  let appId: string;
  let strangerAppId: string;
  let cdn: Awaited<ReturnType<typeof startCdn>>;
  let site: CustomerSite;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    // Proof of work on, at the default difficulty (POW_DIFFICULTY 50000).
    latchkey = await startLatchkey({ POW_HMAC_SECRET: POW_SECRET });
    const allowed = { config: { webClient: { allowedDomains: ['127.0.0.1'], allowAnonymous: true } } };
    appId = (await latchkey.createApp(allowed)).id;
    // Its allowlist does not hold the page's origin.
    strangerAppId = (await latchkey.createApp({ name: 'Elsewhere' })).id;
    cdn = await startCdn();
    site = await startCustomerSite(latchkey, [appId]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([site?.close(), cdn?.close(), latchkey?.close()]);
  });

  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context.close();
  });

  async function openWidget(
    options: { appId?: string; customer?: string | null; baseUrl?: string; path?: string } = {},
    page?: Page,
  ): Promise<Page> {
    page ??= await context.newPage();
    await page.goto(`${site.url}${options.path ?? '/'}?sdk=${encodeURIComponent(`${cdn.url}/index.js`)}`);
    await page.waitForFunction('window.harnessReady === true');
    await call(page, 'start', {
      baseUrl: options.baseUrl ?? latchkey.url,
      appId: options.appId ?? appId,
      customer: options.customer ?? null,
    });
    return page;
  }

  const getSession = (page: Page) => call<SessionResult>(page, 'getSession');
  const storageKey = (service: LiveService, id: string) => `latchkey:${service.url}:${id}`;

  it('gets an anonymous session, solving proof of work in a blob: worker without blocking the page', async () => {
    const page = await context.newPage();
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(worker.url()));
    await openWidget({}, page);
    const powAsked = latchkey.count(SESSION_ROUTE(appId), 400);

    const result = await getSession(page);
    expect(result.error).toBeUndefined();
    expect(result.session).toMatchObject({ userId: expect.stringMatching(ANON), authMethod: 'anonymous' });
    expect(result.session!.fallbackReason).toBeUndefined();
    // The service asked (400 pow_required), the page solved its challenge off the main thread.
    expect(latchkey.count(SESSION_ROUTE(appId), 400)).toBe(powAsked + 1);
    expect(workers.length).toBeGreaterThan(0);
    for (const url of workers) expect(url).toMatch(/^blob:/);
    expect(cdn.files).toContain('/pow-solver.js');
    // §6: no long task (> 50 ms of main thread) overlapped getting the session.
    expect(result.longTasksDuring, JSON.stringify(result)).toEqual([]);

    // The session is one a widget's backend accepts.
    const verified = await createVerifier({
      issuer: 'latchkey',
      jwksUrl: `${latchkey.url}/.well-known/jwks.json`,
      audience: appId,
    }).verify(result.session!.token);
    expect(verified.userId).toBe(result.session!.userId);
    console.info(`[browser] first anonymous session with proof of work (difficulty 50000): ${Math.round(result.ms)} ms`);
  });

  it('on a page whose CSP forbids workers, still gets a session, solving on the page', async () => {
    const page = await context.newPage();
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(worker.url()));
    await openWidget({ path: '/no-workers' }, page);
    const result = await getSession(page);
    expect(result.error).toBeUndefined();
    expect(result.session!.userId).toMatch(ANON);
    expect(workers).toEqual([]);
    // The solver yields between slices of 50 hashes, but on the page's own
    // thread no bound is promised: a busy machine may still stretch one slice.
  });

  it('the long-task observer sees a main thread blocked for 120 ms (so the check above can fail)', async () => {
    const page = await openWidget();
    const tasks = await call<{ start: number; end: number }[]>(page, 'busy', 120);
    expect(tasks.some((t) => t.end - t.start >= 100)).toBe(true);
  });

  it('a reload reuses the stored session; a refresh near its expiry keeps the identity', async () => {
    const page = await openWidget();
    const first = (await getSession(page)).session!;
    const issued = latchkey.count(SESSION_ROUTE(appId), 200);

    await openWidget({}, page);
    const reloaded = (await getSession(page)).session!;
    expect(reloaded.token).toBe(first.token);
    expect(latchkey.count(SESSION_ROUTE(appId), 200)).toBe(issued);

    // Under a minute left: the next getSession() refreshes with the stored token as bearer.
    const powAsked = latchkey.count(SESSION_ROUTE(appId), 400);
    const key = storageKey(latchkey, appId);
    const state = JSON.parse((await call<string>(page, 'readStored', key))!) as { session: Session };
    state.session.expiresAt = new Date(Date.now() + 30_000).toISOString();
    await call(page, 'writeStored', key, JSON.stringify(state));
    const refreshed = (await getSession(page)).session!;
    expect(refreshed.token).not.toBe(first.token);
    expect(refreshed.userId).toBe(first.userId);
    // It knew proof of work was on, so it solved first instead of being told again.
    expect(latchkey.count(SESSION_ROUTE(appId), 400)).toBe(powAsked);
  });

  it('two tabs opened together share one session, and a tab hears of another’s new session', async () => {
    const [tabA, tabB] = [await openWidget(), await openWidget()];
    const issued = latchkey.count(SESSION_ROUTE(appId), 200);
    const [a, b] = await Promise.all([getSession(tabA), getSession(tabB)]);
    expect(a.session!.token).toBe(b.session!.token);
    expect(latchkey.count(SESSION_ROUTE(appId), 200)).toBe(issued + 1);

    // Concurrent calls in one tab share it too.
    const tokens = await call<string[]>(tabB, 'concurrentSessions', 5);
    expect(new Set(tokens)).toEqual(new Set([a.session!.token]));

    await call(tabA, 'signOut');
    const next = (await getSession(tabA)).session!;
    expect(next.token).not.toBe(a.session!.token);
    await expect
      .poll(async () => (await call<Session[]>(tabB, 'sessionsSeen')).map((s) => s.token))
      .toContain(next.token);
  });

  it('signs in with getCustomerToken, without proof of work', async () => {
    const page = await context.newPage();
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(worker.url()));
    const challenges = latchkey.count('GET /run/auth/pow/challenge');
    await openWidget({ customer: 'user=alice' }, page);
    const result = await getSession(page);
    expect(result.session).toMatchObject({ userId: 'alice', authMethod: 'authenticated' });
    expect(result.session!.fallbackReason).toBeUndefined();
    expect(latchkey.count('GET /run/auth/pow/challenge')).toBe(challenges);
    expect(workers).toEqual([]);
  });

  it('falls back to an anonymous session when the customer token is refused, and says why', async () => {
    const page = await openWidget({ customer: 'user=alice&expired=1' });
    const result = await getSession(page);
    expect(result.session).toMatchObject({
      userId: expect.stringMatching(ANON),
      authMethod: 'anonymous',
      fallbackReason: 'expired',
    });
  });

  it('fetch(): a backend’s 401 gets a new session and one retry', async () => {
    const page = await openWidget();
    // A stored token the backend refuses, though it has not expired: one from another latchkey.
    const elsewhere = await startLatchkey();
    const other = await anonymousSession(elsewhere, (await elsewhere.createApp()).id).finally(() => elsewhere.close());
    await call(
      page,
      'writeStored',
      storageKey(latchkey, appId),
      JSON.stringify({ session: { ...other, authMethod: 'anonymous' }, pow: true }),
    );
    const before = site.calls['/api/whoami'] ?? 0;
    const res = await call<{ status: number; body: string }>(page, 'fetch', '/api/whoami');
    expect(res.status).toBe(200);
    const me = JSON.parse(res.body) as { userId: string; authMethod: string };
    expect(me.userId).toMatch(ANON);
    expect(me.userId).not.toBe(other.userId);
    expect(site.calls['/api/whoami']).toBe(before + 2);

    // A backend that keeps refusing gets exactly one retry, and the widget sees its 401.
    const refused = await call<{ status: number }>(page, 'fetch', '/api/always-401');
    expect(refused.status).toBe(401);
    expect(site.calls['/api/always-401']).toBe(2);
  });

  it('an origin not on the app’s allowlist: LatchkeyError origin_not_allowed', async () => {
    const page = await openWidget({ appId: strangerAppId });
    const result = await getSession(page);
    expect(result.session).toBeUndefined();
    expect(result.error).toMatchObject({ name: 'LatchkeyError', code: 'origin_not_allowed', status: 403 });
  });

  it('a 429 is waited out once, as Retry-After says; a second 429 fails with rate_limited', async () => {
    // Rate limit 1 per minute, no proof of work. The service's clock is real
    // time plus an offset: moving it to 58 s into a window leaves the browser
    // a real Retry-After of about 2 s to wait.
    const limited = await startLatchkey({ RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const id = (await limited.createApp({ config: { webClient: { allowedDomains: ['127.0.0.1'] } } })).id;
      const page = await context.newPage();
      const workers: string[] = [];
      page.on('worker', (worker) => workers.push(worker.url()));
      const solverLoads = cdn.files.filter((f) => f === '/pow-solver.js').length;
      await openWidget({ baseUrl: limited.url, appId: id }, page);
      expect((await getSession(page)).session).toBeDefined();
      // No proof of work asked: neither the solver nor a worker was loaded.
      expect(workers).toEqual([]);
      expect(cdn.files.filter((f) => f === '/pow-solver.js').length).toBe(solverLoads);

      limited.clock.advance(58);
      await call(page, 'signOut');
      const waited = await getSession(page);
      expect(waited.error).toBeUndefined();
      expect(waited.session!.userId).toMatch(ANON);
      // One 429, then one success once the window had ended: the wait was long enough, and only one.
      expect(limited.requests.filter((r) => r.route === SESSION_ROUTE(id)).map((r) => r.status)).toEqual([200, 429, 200]);

      // Again, but the window is made to last past the wait: the retry is refused and the error says so.
      limited.clock.advance(59);
      await call(page, 'signOut');
      const pending = getSession(page);
      await page.waitForResponse((r) => r.url().includes('/anonymous-session') && r.status() === 429);
      limited.clock.advance(-30);
      const failed = await pending;
      expect(failed.session).toBeUndefined();
      expect(failed.error).toMatchObject({ name: 'LatchkeyError', code: 'rate_limited', status: 429 });
      expect(failed.error!.retryAfter).toBeGreaterThanOrEqual(1);
      expect(limited.requests.filter((r) => r.route === SESSION_ROUTE(id)).map((r) => r.status)).toEqual([
        200, 429, 200, 429, 429,
      ]);
    } finally {
      await limited.close();
    }
  });
});
