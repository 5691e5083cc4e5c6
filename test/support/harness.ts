// Builds a latchkey instance with a movable clock, for HTTP tests through
// supertest and domain tests alike. Every harness is closed after its test file.
//
// The store is the one the run is on: SQLite by default (in memory, or the file
// a test names), PostgreSQL with LATCHKEY_TEST_STORE=postgres (a fresh database
// cloned from the migrated template per harness; a test that names a file gets
// one database per name, so two harnesses on one "file" are two nodes sharing
// one database, as two processes share one SQLite file).
import supertest from 'supertest';
import { afterAll } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/services.js';
import { isPostgresUrl, openStore } from '../../src/store/open-store.js';
import { sqliteConnection } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { observeErrors } from './observed-errors.js';
import { adminQuery, freshPostgresDatabase, type TestDatabase } from './postgres.js';

/** Which store this run's tests use. */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.LATCHKEY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

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
  store: Store;
  clock: TestClock;
  config: Config;
  http: ReturnType<typeof supertest>;
  app: ReturnType<typeof createApp>;
  /** The DATABASE_URL the harness runs on: open another store (a second process or node) on it. */
  databaseUrl: string;
  /** Runs raw SQL against the harness's database (for inspecting what was stored); `?` placeholders. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const open = new Set<Harness>();
// PostgreSQL databases standing in for named SQLite files, by name.
const shared = new Map<string, Promise<TestDatabase>>();
afterAll(async () => {
  await Promise.all([...open].map((h) => h.close()));
  await Promise.all([...shared.values()].map(async (db) => (await db).drop()));
  shared.clear();
});

/** The database a harness asked for, on this run's store, and what to drop when it closes. */
async function testDatabase(requested: string | undefined): Promise<{ url: string; drop?: () => Promise<void> }> {
  if (TEST_STORE === 'sqlite' || (requested !== undefined && isPostgresUrl(requested))) {
    return { url: requested ?? ':memory:' };
  }
  if (requested === undefined || requested === ':memory:') {
    const db = await freshPostgresDatabase();
    return { url: db.url, drop: db.drop };
  }
  let db = shared.get(requested);
  if (!db) shared.set(requested, (db = freshPostgresDatabase()));
  return { url: (await db).url };
}

export async function makeHarness(
  env: Record<string, string> = {},
  options: { databaseUrl?: string; clock?: TestClock } = {},
): Promise<Harness> {
  const database = await testDatabase(options.databaseUrl);
  const config = loadConfig({
    NODE_ENV: 'test',
    MANAGE_API_KEY: MANAGE_KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    DATABASE_URL: database.url,
    ...env,
  });
  const clock = options.clock ?? new TestClock();
  const store = await openStore(config.databaseUrl);
  const svc = await createServices({ config, store, clock });
  // Every answer is checked against the error lists of /openapi.json when the file ends.
  const app = observeErrors(createApp(svc));
  let closed = false;
  const h: Harness = {
    svc,
    store,
    clock,
    config,
    app,
    http: supertest(app),
    databaseUrl: config.databaseUrl,
    async query<T>(text: string, params: unknown[] = []) {
      const sqlite = sqliteConnection(store);
      if (sqlite) {
        const statement = sqlite.prepare(text);
        return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
      }
      let n = 0;
      return (await adminQuery(text.replace(/\?/g, () => `$${++n}`), params, config.databaseUrl)) as T[];
    },
    async close() {
      if (closed) return;
      closed = true;
      open.delete(h);
      await store.close();
      await database.drop?.();
    },
  };
  open.add(h);
  return h;
}

/** How many rows a table holds. */
export async function countRows(h: Harness, table: string): Promise<number> {
  const [row] = await h.query<{ n: number | string }>(`select count(*) as n from ${table}`);
  return Number(row!.n);
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
