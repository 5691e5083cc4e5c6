// `npm run demo`: latchkey, a customer's site with a chat widget on another
// origin, and the customer's backend — everything a widget integration has,
// in one command, to watch anonymous, signed-in and fallback sessions happen
// in a browser.
//
//   latchkey            in-memory SQLite, proof of work on (default difficulty)
//   customer site       the widget page (using @latchkey/browser, built now) and
//   + backend           its backend: it signs its users' JWTs with an ES256 key
//                       it generates and uploads at start (kept in memory only),
//                       and answers the chat behind @latchkey/node's requireSession
//
//   npm run demo                                          # random free ports
//   DEMO_LATCHKEY_PORT=43100 DEMO_SITE_PORT=43101 npm run demo
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildBrowserPackage } from '../packages/browser/build.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';
import { openStore } from '../src/store/open-store.js';
import { createCustomerSite } from './demo/customer-site.js';

const HOST = '127.0.0.1';

async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, resolve);
  });
  return `http://${HOST}:${(server.address() as AddressInfo).port}`;
}

const manageKey = `demo_${randomBytes(24).toString('base64url')}`;
const config = loadConfig({
  NODE_ENV: 'development',
  DATABASE_URL: ':memory:',
  MANAGE_API_KEY: manageKey,
  POW_HMAC_SECRET: randomBytes(32).toString('base64url'),
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const store = await openStore(config.databaseUrl);
const svc = await createServices({ config, store, logger: createLogger(config.logLevel) });
const latchkeyServer = createServer(createApp(svc));
const latchkeyUrl = await listen(latchkeyServer, Number(process.env.DEMO_LATCHKEY_PORT ?? 0));

async function manage<T>(method: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${latchkeyUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${manageKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const build = await buildBrowserPackage({ types: false, quiet: true });
const { data: app } = await manage<{ data: { id: string } }>('POST', '/manage/tenants/demo/projects/docs/apps', {
  name: 'Docs chat widget',
  defaultAgentId: 'docs-agent',
  prompt: 'Answer from the docs.',
  // 127.0.0.1 allows http and any port: the demo site's origin.
  config: { webClient: { allowedDomains: ['127.0.0.1'], allowAnonymous: true } },
});
const site = await createCustomerSite({
  latchkeyUrl,
  appId: app.id,
  issuer: config.issuer,
  browserDist: build.dist,
  uploadKey: (key) => manage('POST', `/manage/tenants/demo/projects/docs/apps/${app.id}/auth-keys`, key),
});
const siteServer = createServer(site);
const siteUrl = await listen(siteServer, Number(process.env.DEMO_SITE_PORT ?? 0));

process.stdout.write(`
latchkey demo — open the customer site in a browser:

  customer site (chat widget)  ${siteUrl}/
  latchkey                     ${latchkeyUrl}   (JWKS: ${latchkeyUrl}/.well-known/jwks.json)
  app id                       ${app.id}
  management key               ${manageKey}

The widget starts anonymous (proof of work solved in a Web Worker), "Sign in as
Alice" exchanges the site's JWT for a signed-in session, and "Sign in with an
expired token" shows the anonymous fallback and its reason. @latchkey/browser is
${(build.entryGzipBytes / 1024).toFixed(1)} KiB min+gzip. Ctrl-C stops everything.
`);

function stop() {
  for (const server of [siteServer, latchkeyServer]) {
    server.closeAllConnections();
    server.close();
  }
  void store.close().finally(() => process.exit(0));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
