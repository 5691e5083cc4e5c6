// Applies the committed migrations in drizzle/postgres/, one process at a time.
//
// drizzle's migrator reads the newest applied migration before its transaction
// and takes no lock, so nodes started together all try to create the tables and
// all but one crash (12 of 18 starts measured in the scale-out notes). Here each
// process first takes a session advisory lock on a connection of its own; the
// others wait, then find nothing left to apply. drizzle applies every pending
// migration in one transaction, so a crash never leaves half a schema.
//
// With MIGRATE_ON_START=false operators migrate as a separate job, and a node
// only checks that the database is at exactly the migration its code expects.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { LOCKS } from './advisory-locks.js';
import { silentLog, type StoreLog } from '../store-log.js';

export interface MigrateOptions {
  log?: StoreLog;
  /** Longest wait for the migration lock, and for any table lock a migration needs. */
  lockTimeoutMs?: number;
}

/** The database's schema is not the one this code was built for; the message says what to do. */
export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
}

// Resolved from this file so it works from src/ (tsx, vitest) and dist/src/ (npm start).
const here = dirname(fileURLToPath(import.meta.url));
const CANDIDATES = [resolve(here, '../../../drizzle/postgres'), resolve(here, '../../../../drizzle/postgres')];

export function migrationsFolder(): string {
  const found = CANDIDATES.find((candidate) => existsSync(resolve(candidate, 'meta/_journal.json')));
  if (!found) throw new Error('drizzle/postgres/ migrations folder not found');
  return found;
}

interface JournalEntry {
  tag: string;
  when: number;
}

function journal(): JournalEntry[] {
  return (JSON.parse(readFileSync(resolve(migrationsFolder(), 'meta/_journal.json'), 'utf8')) as { entries: JournalEntry[] })
    .entries;
}

/** How many migrations drizzle has recorded as applied (0 on a new database). */
async function appliedCount(client: pg.Client): Promise<number> {
  // Two statements: one naming a table that does not exist yet would not parse.
  const table = await client.query<{ t: string | null }>("SELECT to_regclass('drizzle.__drizzle_migrations') AS t");
  if (!table.rows[0]?.t) return 0;
  const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
  return Number(rows[0]!.n);
}

export async function migratePostgres(url: string, options: MigrateOptions = {}): Promise<void> {
  const log = options.log ?? silentLog;
  const client = new pg.Client({ connectionString: url, application_name: 'latchkey-migrate', connectionTimeoutMillis: 5_000 });
  // A connection error while idle must not crash the process; the failing query reports it.
  client.on('error', () => {});
  await client.connect();
  try {
    // Bounds both the wait for another node's migration and any DDL lock wait
    // behind live traffic: a start that cannot migrate fails, it does not hang.
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs ?? 60_000))}`);
    const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [LOCKS.migrations]);
    if (!rows[0]?.got) {
      log.warn('waiting for the migration lock: another process is migrating this database');
      await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrations]);
    }
    try {
      const before = await appliedCount(client);
      await migrate(drizzle({ client }), { migrationsFolder: migrationsFolder() });
      const applied = (await appliedCount(client)) - before;
      if (applied > 0) log.info({ applied }, 'database migrated');
      else log.info('database schema is up to date');
    } finally {
      // Also released when the session ends, should this connection be gone.
      await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrations]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/** Resolves when the newest applied migration is this code's newest; else SchemaVersionError. */
export async function checkPostgresSchema(url: string): Promise<void> {
  const entries = journal();
  const expected = entries.at(-1)!;
  const client = new pg.Client({ connectionString: url, application_name: 'latchkey-check', connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  let applied: number | undefined;
  try {
    const { rows } = await client.query<{ created_at: string }>(
      'SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1',
    );
    applied = rows[0] ? Number(rows[0].created_at) : undefined;
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: never migrated.
    const code = (error as { code?: string }).code;
    if (code !== '42P01' && code !== '3F000') throw error;
  } finally {
    await client.end().catch(() => {});
  }
  if (applied === expected.when) return;
  if (applied === undefined) {
    throw new SchemaVersionError(
      `the database has no latchkey schema (MIGRATE_ON_START=false): run \`latchkey migrate\` first (expected ${expected.tag})`,
    );
  }
  const appliedTag = entries.find((entry) => entry.when === applied)?.tag;
  if (applied < expected.when) {
    throw new SchemaVersionError(
      `the database schema is behind this version (applied ${appliedTag ?? applied}, expected ${expected.tag}): run \`latchkey migrate\``,
    );
  }
  throw new SchemaVersionError(
    `the database schema is newer than this version (applied ${appliedTag ?? `an unknown migration from ${new Date(applied).toISOString()}`}, this version knows up to ${expected.tag}): run the newer version`,
  );
}
