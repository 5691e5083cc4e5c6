// The demo's customer: a docs site with a chat widget, and its backend.
//   /                    the page (demo/site/), which loads @latchkey/browser from /latchkey/
//   /api/login, /logout  the site's own sign-in (a cookie naming the user; it is a demo)
//   /api/customer-token  the signed-in user's JWT, signed with the site's ES256 key,
//                        which was uploaded to latchkey at start; 204 when signed out
//   /api/chat            the widget's backend, behind requireSession from @latchkey/node
import { generateKeyPairSync } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { SignJWT } from 'jose';
import { createVerifier, requireSession } from '../../packages/node/src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const KID = 'demo-site-es256';

export interface CustomerSiteOptions {
  latchkeyUrl: string;
  appId: string;
  issuer: string;
  browserDist: string;
  uploadKey(key: { kid: string; algorithm: string; publicKey: string }): Promise<unknown>;
}

function signedInUser(cookie: string | undefined): { user: string; expired: boolean } | undefined {
  const value = /(?:^|;\s*)demo_user=([^;]+)/.exec(cookie ?? '')?.[1];
  if (!value) return undefined;
  const [user, mode] = decodeURIComponent(value).split(':');
  return user ? { user, expired: mode === 'expired' } : undefined;
}

export async function createCustomerSite(options: CustomerSiteOptions): Promise<express.Express> {
  // Generated at each start and never written to disk.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await options.uploadKey({
    kid: KID,
    algorithm: 'ES256',
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  });
  const verifier = createVerifier({
    issuer: options.issuer,
    jwksUrl: `${options.latchkeyUrl}/.well-known/jwks.json`,
    audience: options.appId,
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.use('/latchkey', express.static(options.browserDist));
  app.use(express.static(resolve(here, 'site')));
  app.get('/demo-config.json', (_req, res) => {
    res.json({ latchkeyUrl: options.latchkeyUrl, appId: options.appId });
  });

  app.post('/api/login', (req, res) => {
    const user = String(req.body?.user ?? 'alice').replace(/[^a-z0-9_-]/gi, '') || 'alice';
    const mode = req.body?.expired ? ':expired' : '';
    res.cookie('demo_user', `${user}${mode}`, { httpOnly: true, sameSite: 'lax', path: '/' }).json({ user });
  });
  app.post('/api/logout', (_req, res) => {
    res.clearCookie('demo_user', { path: '/' }).status(204).end();
  });
  app.get('/api/customer-token', async (req, res) => {
    const who = signedInUser(req.headers.cookie);
    if (!who) return void res.status(204).end();
    // "expired": as if the backend's clock were two hours behind.
    const now = Math.floor(Date.now() / 1000) - (who.expired ? 7200 : 0);
    const jwt = await new SignJWT({ name: who.user[0]!.toUpperCase() + who.user.slice(1), plan: 'pro' })
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
      .setSubject(who.user)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    res.type('text/plain').set('Cache-Control', 'no-store').send(jwt);
  });

  app.post('/api/chat', requireSession(verifier), (req, res) => {
    const session = req.latchkey!;
    const message = String(req.body?.message ?? '').slice(0, 500);
    const who = session.authMethod === 'authenticated' ? `${String(session.claims.name ?? session.userId)}` : 'anonymous visitor';
    res.json({
      reply: `Hello, ${who}. You said “${message}”. (Your session ${session.sessionId.slice(0, 8)}… was verified offline against latchkey’s JWKS.)`,
    });
  });
  return app;
}
