// What the browser tests run: a real latchkey (test/support/live-service.ts),
// a "CDN" origin serving the built @latchkey/browser, and a customer site on a
// third origin — the widget page, and the customer's backend that signs its
// users' JWTs and checks session tokens with @latchkey/node. All on 127.0.0.1,
// each on its own port, so each is its own origin; Chromium is Debian's.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { SignJWT } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { describe } from 'vitest';
import { buildBrowserPackage } from '../../../packages/browser/build.js';
import { createVerifier, requireSession } from '../../../packages/node/src/index.js';
import { ecKey } from '../../support/keys.js';
import type { LiveService } from '../../support/live-service.js';

const here = dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * describe() when Chromium is there. Without it the tests are skipped with a
 * message on a developer machine, and fail in CI (CI set), where they must run.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM) || process.env.CI) {
    describe(name, body);
    return;
  }
  console.warn(`[browser tests skipped] ${CHROMIUM} not found: install it (apt-get install -y chromium) to run "${name}"`);
  describe.skip(`${name} (needs ${CHROMIUM})`, body);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** The built package on its own origin, as a CDN would serve it (CORS open, so module imports work). */
export async function startCdn(): Promise<{ url: string; files: string[]; close: () => Promise<void> }> {
  const { dist } = await buildBrowserPackage({ types: false, quiet: true });
  const files: string[] = [];
  const app = express();
  app.use((req, res, next) => {
    files.push(req.path);
    res.set('Access-Control-Allow-Origin', '*');
    next();
  });
  app.use(express.static(dist));
  return { ...(await listen(createServer(app))), files };
}

export const CUSTOMER_KID = 'site-key-1';

export interface CustomerSite {
  url: string;
  /** Calls of the backend's API routes, by path. */
  calls: Record<string, number>;
  close(): Promise<void>;
}

/**
 * The customer's site: the widget page, /customer-token (the backend signing
 * its signed-in user's JWT; `expired=1` for one that has expired), and an API
 * behind requireSession. Uploads its ES256 public key to the app.
 */
export async function startCustomerSite(latchkey: LiveService, appIds: string[]): Promise<CustomerSite> {
  const key = ecKey('P-256');
  for (const appId of appIds) {
    await latchkey.manage('POST', `/manage/tenants/t1/projects/p1/apps/${appId}/auth-keys`, {
      kid: CUSTOMER_KID,
      algorithm: 'ES256',
      publicKey: key.publicPem,
    });
  }
  const verifier = createVerifier({ issuer: 'latchkey', jwksUrl: `${latchkey.url}/.well-known/jwks.json`, audience: appIds });
  const calls: Record<string, number> = {};
  const app = express();
  app.use((req, _res, next) => {
    if (req.path.startsWith('/api/')) calls[req.path] = (calls[req.path] ?? 0) + 1;
    next();
  });
  app.get('/', (_req, res) => void res.sendFile(resolve(here, 'fixtures/widget.html')));
  // The same page on a site whose Content-Security-Policy allows no workers.
  app.get('/no-workers', (_req, res) => {
    res.set('Content-Security-Policy', "worker-src 'none'");
    res.sendFile(resolve(here, 'fixtures/widget.html'));
  });
  app.get('/widget.js', (_req, res) => void res.type('text/javascript').sendFile(resolve(here, 'fixtures/widget.js')));
  app.get('/customer-token', async (req, res) => {
    // Signed an hour ago with a one-hour life when `expired` is asked for.
    const iat = Math.floor(latchkey.clock.now() / 1000) - (req.query.expired ? 3660 : 0);
    const jwt = await new SignJWT({ name: String(req.query.user) })
      .setProtectedHeader({ alg: 'ES256', kid: CUSTOMER_KID })
      .setSubject(String(req.query.user))
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(key.privateKey);
    res.type('text/plain').send(jwt);
  });
  app.get('/api/whoami', requireSession(verifier), (req, res) => {
    res.json({ userId: req.latchkey!.userId, authMethod: req.latchkey!.authMethod });
  });
  app.get('/api/always-401', (_req, res) => {
    res.status(401).json({ error: { code: 'invalid_token', message: 'No.' } });
  });
  return { ...(await listen(createServer(app))), calls };
}
