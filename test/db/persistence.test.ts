// Contract §1: DATABASE_URL is a SQLite file migrated at start-up. What was
// stored survives a restart, a restart migrates nothing away, and a generated
// management key is shown once and kept only as a hash.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import { resolveManageKey } from '../../src/manage/manage-key.js';
import { addTestKey, APPS, appUrl, auth, countRows, createTestApp, makeHarness, TEST_STORE, type Harness } from '../support/harness.js';
import { ecKey } from '../support/keys.js';
import { anonymousToken } from '../support/run-api.js';

let dir: string;
let databaseUrl: string;
const open: Harness[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-db-'));
  // A directory that does not exist yet: start-up creates it.
  databaseUrl = join(dir, 'data', 'latchkey.db');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts latchkey on the test's database file, as `npm start` would. */
async function start(env: Record<string, string> = {}): Promise<Harness> {
  const h = await makeHarness(env, { databaseUrl });
  open.push(h);
  return h;
}

/** Stops a harness the way a graceful shutdown does. */
function stop(h: Harness): Promise<void> {
  return h.close();
}

const count = countRows;
const MIGRATIONS_TABLE = TEST_STORE === 'postgres' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations';

describe('restarting on the same database file', () => {
  it('keeps apps and keys, and does not migrate again', async () => {
    const first = await start();
    const app = await createTestApp(first);
    const key = await addTestKey(first, app, { kid: 'k1', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });
    const before = { apps: await count(first, 'apps'), keys: await count(first, 'auth_keys'), signing: await count(first, 'signing_keys') };
    const migrations = await count(first, MIGRATIONS_TABLE);
    expect(migrations).toBe(JSON.parse(readFileSync(`drizzle/${TEST_STORE}/meta/_journal.json`, 'utf8')).entries.length);
    await stop(first);

    const second = await start();
    expect((await second.http.get(appUrl(app)).set(auth).expect(200)).body.data).toEqual(app);
    expect((await second.http.get(appUrl(app, '/auth-keys')).set(auth).expect(200)).body.data).toEqual([key]);
    expect({ apps: await count(second, 'apps'), keys: await count(second, 'auth_keys'), signing: await count(second, 'signing_keys') }).toEqual(before);
    expect(await count(second, MIGRATIONS_TABLE)).toBe(migrations);
  });

  it('a session token issued before the restart still passes introspection after it', async () => {
    const first = await start();
    const app = await createTestApp(first);
    const issued = await anonymousToken(first, app.id);
    await stop(first);

    const second = await start();
    const res = await second.http
      .get(`/run/auth/apps/${app.id}/session`)
      .set('Authorization', `Bearer ${issued.token}`)
      .expect(200);
    expect(res.body.userId).toBe(issued.userId);
  });

  it('a second process on the same file sees the first one’s writes', async () => {
    const a = await start();
    const b = await start();
    const app = await createTestApp(a);
    await b.http.get(appUrl(app)).set(auth).expect(200);
    expect((await b.http.get(APPS).set(auth).expect(200)).body.pagination.total).toBe(1);
  });

  it('another process’s spent challenges leave this one’s caches alone; its app and key writes do not', async () => {
    const a = await start();
    const b = await start();
    const app = await createTestApp(a);
    await addTestKey(a, app, { kid: 'k1', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });
    const cached = async () => {
      b.store.changes.poll();
      return (await b.svc.apps.get(app.id))!;
    };
    // SQLite: b sees a's commit on its next read. PostgreSQL: a's write is pushed
    // to b (LISTEN/NOTIFY) within milliseconds, so b is given up to a second.
    const eventually = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 1000, interval: 5 });
    // On PostgreSQL, b hears of a's writes above by notification a moment later: let them arrive first.
    if (TEST_STORE === 'postgres') await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await cached();
    const keysBefore = await before.customerKeys();
    expect([...keysBefore.keys()]).toEqual(['k1']);

    // Proof-of-work traffic on process a: commits that change nothing b caches.
    for (let i = 0; i < 3; i += 1) expect(await a.svc.spentChallenges.spend(String(i).repeat(64), a.clock.seconds + 60)).toBe(true);
    expect(await cached()).toBe(before);
    expect(await (await cached()).customerKeys()).toBe(keysBefore);

    // A key upload on process a: b re-reads the app and its keys.
    await addTestKey(a, app, { kid: 'k2', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });
    await eventually(async () => expect(await cached()).not.toBe(before));
    expect([...(await (await cached()).customerKeys()).keys()].sort()).toEqual(['k1', 'k2']);

    // A setting toggled on process a reaches b on its next read.
    await a.http.patch(appUrl(app)).set(auth).send({ config: { webClient: { allowAnonymous: false } } }).expect(200);
    await eventually(async () => expect((await cached()).row.allowAnonymous).toBe(false));
  });
});

describe.runIf(TEST_STORE === 'sqlite')('upgrading a SQLite database made by an earlier release', () => {
  /** A database file migrated only up to `tag`, as that release left it. */
  function databaseAt(tag: string): Database.Database {
    const folder = join(dir, 'migrations');
    mkdirSync(join(folder, 'meta'), { recursive: true });
    const journal = JSON.parse(readFileSync('drizzle/sqlite/meta/_journal.json', 'utf8'));
    const upTo = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
    journal.entries = journal.entries.slice(0, upTo + 1);
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify(journal));
    for (const e of journal.entries) copyFileSync(`drizzle/sqlite/${e.tag}.sql`, join(folder, `${e.tag}.sql`));
    mkdirSync(join(dir, 'data'), { recursive: true });
    const sqlite = new Database(databaseUrl);
    migrate(drizzle(sqlite), { migrationsFolder: folder });
    return sqlite;
  }

  it('keeps the spent challenges when 0001 re-keys their table, so no solution can be replayed across the upgrade', async () => {
    const old = databaseAt('0000_init');
    const challenge = 'c'.repeat(64);
    const expires = Math.floor(Date.now() / 1000) + 300;
    old.prepare('INSERT INTO spent_challenges (challenge, expires_at) VALUES (?, ?)').run(challenge, expires);
    old.close();

    const h = await start();
    const [table] = await h.query<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'spent_challenges'");
    expect(table!.sql).toMatch(/WITHOUT ROWID/);
    expect(await h.svc.spentChallenges.spend(challenge, expires)).toBe(false);
    expect(await h.svc.spentChallenges.spend('d'.repeat(64), expires)).toBe(true);
  });
});

describe('the generated development management key', () => {
  const development = { NODE_ENV: 'development', MANAGE_API_KEY: '' };

  it('is generated once, kept only as its hash, and the same after a restart', async () => {
    const first = await start(development);
    const generated = first.svc.manageKey.generated;
    expect(generated).toMatch(/^lk_manage_[A-Za-z0-9_-]{43}$/);
    await first.http.get(APPS).set('Authorization', `Bearer ${generated}`).expect(200);

    // Resolved again on the same database: nothing new to show, the same key.
    const again = await resolveManageKey(first.store, first.config);
    expect(again.generated).toBeUndefined();
    expect(again.hash.equals(first.svc.manageKey.hash)).toBe(true);

    const settings = await first.query('select * from settings');
    expect(JSON.stringify(settings)).not.toContain(generated!);
    expect(JSON.stringify(settings)).not.toContain(generated!.slice('lk_manage_'.length));
    await stop(first);

    const second = await start(development);
    expect(second.svc.manageKey.generated).toBeUndefined();
    await second.http.get(APPS).set('Authorization', `Bearer ${generated}`).expect(200);
    await second.http.get(APPS).set(auth).expect(401);
  });

  it('is not generated when MANAGE_API_KEY is set, and nothing is stored', async () => {
    const h = await start();
    expect(h.svc.manageKey.generated).toBeUndefined();
    expect(await count(h, 'settings')).toBe(0);
  });

  it('a second process on the same fresh file uses the first one’s key rather than making its own', async () => {
    const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: databaseUrl });
    const dbA = await openStore(databaseUrl);
    const dbB = await openStore(databaseUrl);
    try {
      const a = await resolveManageKey(dbA, config);
      const b = await resolveManageKey(dbB, config);
      expect([a.generated, b.generated].filter(Boolean)).toHaveLength(1);
      expect(b.hash.equals(a.hash)).toBe(true);
    } finally {
      await dbA.close();
      await dbB.close();
    }
  });
});
