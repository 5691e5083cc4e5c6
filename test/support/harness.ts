// Builds a latchkey instance on in-memory SQLite with a movable clock, for
// HTTP tests through supertest and domain tests alike.
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { createServices, type Services } from '../../src/services.js';

export const MANAGE_KEY = 'test-manage-key-0123456789abcdef0123456789';
export const POW_SECRET = 'test-pow-secret-0123456789abcdef0123456789';

export class TestClock implements Clock {
  constructor(private ms = Date.parse('2026-11-21T12:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

export interface Harness {
  svc: Services;
  clock: TestClock;
  config: Config;
  http: ReturnType<typeof supertest>;
  app: ReturnType<typeof createApp>;
}

export function makeHarness(env: Record<string, string> = {}, options: { databaseUrl?: string } = {}): Harness {
  const config = loadConfig({
    NODE_ENV: 'test',
    MANAGE_API_KEY: MANAGE_KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    DATABASE_URL: options.databaseUrl ?? ':memory:',
    ...env,
  });
  const clock = new TestClock();
  const db = openDatabase(config.databaseUrl);
  const svc = createServices({ config, db, clock });
  const app = createApp(svc);
  return { svc, clock, config, app, http: supertest(app) };
}

export const auth = { Authorization: `Bearer ${MANAGE_KEY}` };
export const APPS = '/manage/tenants/t1/projects/p1/apps';

export const appBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'Docs Chat Widget',
  defaultAgentId: 'agent-1',
  prompt: 'Be concise.',
  config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous: true } },
  ...overrides,
});

/** Creates an app through the management API and returns its resource. */
export async function createTestApp(h: Harness, overrides: Record<string, unknown> = {}, path = APPS) {
  const res = await h.http.post(path).set(auth).send(appBody(overrides));
  if (res.status !== 201) throw new Error(`app create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string; tenantId: string; projectId: string } & Record<string, unknown>;
}

type AppRef = { id: string; tenantId: string; projectId: string };

/** The management URL of an app (or of its keys, with `suffix`). */
export const appUrl = (app: AppRef, suffix = '') =>
  `/manage/tenants/${app.tenantId}/projects/${app.projectId}/apps/${app.id}${suffix}`;

/** Uploads a customer public key through the management API and returns its resource. */
export async function addTestKey(
  h: Harness,
  app: AppRef,
  key: { kid: string; algorithm: string; publicKey: string },
) {
  const res = await h.http.post(appUrl(app, '/auth-keys')).set(auth).send(key);
  if (res.status !== 201) throw new Error(`key upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { kid: string; algorithm: string; publicKey: string; thumbprint: string; createdAt: string };
}
