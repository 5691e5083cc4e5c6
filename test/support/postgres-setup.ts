// vitest global setup. With LATCHKEY_TEST_STORE=postgres it starts a throwaway
// PostgreSQL cluster (scripts/test-postgres.ts), or uses the server at
// LATCHKEY_TEST_DATABASE_URL, migrates a template database once through the
// store's own migration code, and provides the admin URL to the tests, which
// clone the template per store (test/support/postgres.ts: ~40 ms a clone).
// Otherwise it does nothing and PostgreSQL-only tests skip.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from '../../scripts/test-postgres.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';

export interface PostgresTestContext {
  /** Superuser URL; tests create and drop their databases through it. */
  adminUrl: string;
  /** The migrated database every fresh one is cloned from. */
  template: string;
  /** True when this run started the cluster, so tests may stop and restart its server. */
  throwaway: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    latchkeyPostgres: PostgresTestContext | null;
  }
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function admin(adminUrl: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject) {
  if (process.env.LATCHKEY_TEST_STORE !== 'postgres') {
    project.provide('latchkeyPostgres', null);
    return;
  }
  const external = process.env.LATCHKEY_TEST_DATABASE_URL;
  const cluster = external ? undefined : await startThrowawayPostgres();
  const adminUrl = external ?? cluster!.url;
  // A server we did not start may be shared by other runs: a template of our own.
  const template = external ? `latchkey_template_${process.pid}` : 'latchkey_template';
  try {
    await admin(adminUrl, [`DROP DATABASE IF EXISTS "${template}"`, `CREATE DATABASE "${template}"`]);
    await migratePostgres(databaseUrl(adminUrl, template));
  } catch (error) {
    await cluster?.destroy();
    throw error;
  }
  project.provide('latchkeyPostgres', { adminUrl, template, throwaway: !external });
  return async () => {
    if (cluster) await cluster.destroy();
    else await admin(adminUrl, [`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`]);
  };
}
