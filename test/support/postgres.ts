// PostgreSQL databases and stores for tests (see postgres-setup.ts). Each test
// gets a database of its own, cloned from the migrated template, so tests never
// see each other's rows and need no cleanup between cases.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { databaseUrl, type PostgresTestContext } from './postgres-setup.js';

/** The run's PostgreSQL, or null when the tests run on SQLite only (LATCHKEY_TEST_STORE unset). */
export function postgresContext(): PostgresTestContext | null {
  return inject('latchkeyPostgres') ?? null;
}

/** For describe.runIf(): PostgreSQL tests run with LATCHKEY_TEST_STORE=postgres. */
export const postgresAvailable = postgresContext() !== null;

function context(): PostgresTestContext {
  const found = postgresContext();
  if (!found) throw new Error('PostgreSQL tests need LATCHKEY_TEST_STORE=postgres (see scripts/test-postgres.ts)');
  return found;
}

export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
  url = context().adminUrl,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new database: a clone of the migrated template, or with `empty`, one without any table. */
export async function freshPostgresDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const { adminUrl, template } = context();
  const name = `lk_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${options.empty ? 'template0' : template}"`);
  return {
    name,
    url: databaseUrl(adminUrl, name),
    // FORCE: a store a failed test left open must not keep the database alive.
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
  };
}

export interface TestStores {
  database: TestDatabase;
  /** A store on the database (a node); call again for another node on the same database. */
  open(options?: PostgresStoreOptions): Promise<Store>;
  /** Closes every store opened here and drops the database. */
  cleanup(): Promise<void>;
}

/** A fresh database and a way to open any number of stores (nodes) on it. */
export async function freshPostgresStores(): Promise<TestStores> {
  const database = await freshPostgresDatabase();
  const opened: Store[] = [];
  return {
    database,
    async open(options = {}) {
      const store = await openPostgresStore(database.url, { migrateOnStart: false, ...options });
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.allSettled(opened.map((store) => store.close()));
      await database.drop();
    },
  };
}
