// Nodes starting at once migrate the schema once and create one signing key
// (contract §5); with MIGRATE_ON_START=false a node refuses a schema that is
// not exactly the one its code expects (§1).
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCKS } from '../../src/store/postgres/advisory-locks.js';
import { checkPostgresSchema, migratePostgres, SchemaVersionError } from '../../src/store/postgres/migrate.js';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import type { StoreLog } from '../../src/store/store-log.js';
import type { Store } from '../../src/store/store.js';
import { adminQuery, freshPostgresDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { signingKeyRecord } from '../support/records.js';

const journalRows = (database: TestDatabase) =>
  adminQuery<{ created_at: string }>('SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY id', [], database.url);

function recordingLog() {
  const lines: string[] = [];
  const fields: unknown[] = [];
  const record = (level: string) => (a: unknown, b?: string) => {
    lines.push(`${level} ${b ?? a}`);
    fields.push(b === undefined ? undefined : a);
  };
  const log: StoreLog = { info: record('info'), warn: record('warn'), error: record('error') };
  return { lines, fields, log };
}

describe.runIf(postgresAvailable)('PostgreSQL migrations', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const database = async (options: { empty?: boolean } = {}) => {
    const created = await freshPostgresDatabase(options);
    cleanups.push(created.drop);
    return created;
  };

  it('three nodes migrating an empty database at once all succeed, and apply each migration once', async () => {
    const empty = await database({ empty: true });
    const expected = await journalRows(await database());
    await expect(Promise.all([1, 2, 3].map(() => migratePostgres(empty.url)))).resolves.toHaveLength(3);
    expect(await journalRows(empty)).toEqual(expected);
    expect(await adminQuery('SELECT id, value FROM cache_generation', [], empty.url)).toEqual([{ id: 1, value: '0' }]);
  });

  it('three nodes opening an empty database at once end with one current signing key', async () => {
    const empty = await database({ empty: true });
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(empty.url)));
    cleanups.push(() => Promise.all(stores.map((store: Store) => store.close())));
    await Promise.all(stores.map((store, i) => store.signingKeys.ensureCurrent(() => signingKeyRecord(`node${i}`))));
    const keys = await stores[0]!.signingKeys.all();
    expect(keys).toHaveLength(1);
    expect(keys[0]!.retiredAt).toBeNull();
  });

  it('waits, saying so, while another process holds the migration lock', async () => {
    const empty = await database({ empty: true });
    const holder = new pg.Client({ connectionString: empty.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1)', [LOCKS.migrations]);

    const { lines, log } = recordingLog();
    let done = false;
    const migrating = migratePostgres(empty.url, { log }).then(() => (done = true));
    await vi.waitFor(() => expect(lines).toContain('warn waiting for the migration lock: another process is migrating this database'));
    expect(done).toBe(false);
    expect(await journalRows(empty).catch(() => [])).toEqual([]);

    await holder.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrations]);
    await migrating;
    expect((await journalRows(empty)).length).toBeGreaterThan(0);
  });

  it('says at info how many migrations it applied, then that the schema is up to date', async () => {
    const empty = await database({ empty: true });
    const expected = (await journalRows(await database())).length;
    const first = recordingLog();
    await migratePostgres(empty.url, { log: first.log });
    expect(first.lines).toEqual(['info database migrated']);
    expect(first.fields).toEqual([{ applied: expected }]);
    const again = recordingLog();
    await migratePostgres(empty.url, { log: again.log });
    expect(again.lines).toEqual(['info database schema is up to date']);
  });

  it('gives up after lock_timeout instead of hanging', async () => {
    const empty = await database({ empty: true });
    const holder = new pg.Client({ connectionString: empty.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1)', [LOCKS.migrations]);
    await expect(migratePostgres(empty.url, { lockTimeoutMs: 200 })).rejects.toMatchObject({ code: '55P03' });
  });

  describe('with MIGRATE_ON_START=false', () => {
    it('accepts a database at exactly this code’s newest migration', async () => {
      const current = await database();
      await expect(checkPostgresSchema(current.url)).resolves.toBeUndefined();
      const store = await openPostgresStore(current.url, { migrateOnStart: false });
      cleanups.push(() => store.close());
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('refuses an unmigrated database, and says to run latchkey migrate', async () => {
      const empty = await database({ empty: true });
      await expect(openPostgresStore(empty.url, { migrateOnStart: false })).rejects.toThrow(SchemaVersionError);
      await expect(checkPostgresSchema(empty.url)).rejects.toThrow(/no latchkey schema.*run `latchkey migrate`/);
    });

    it('refuses a database behind the code', async () => {
      const behind = await database();
      await adminQuery('DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)', [], behind.url);
      const tags: string[] = JSON.parse(readFileSync('drizzle/postgres/meta/_journal.json', 'utf8')).entries.map((e: { tag: string }) => e.tag);
      await expect(checkPostgresSchema(behind.url)).rejects.toThrow(
        new RegExp(`behind this version \\(applied ${tags.at(-2)}, expected ${tags.at(-1)}.*run \`latchkey migrate\``),
      );
    });

    it('refuses a database ahead of the code', async () => {
      const ahead = await database();
      await adminQuery(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('future', 4102444800000)`, [], ahead.url);
      await expect(checkPostgresSchema(ahead.url)).rejects.toThrow(/newer than this version .*2100-01-01.*run the newer version/);
    });
  });
});
