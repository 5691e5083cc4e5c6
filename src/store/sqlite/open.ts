// Opens the SQLite database, sets the pragmas latchkey relies on and applies the
// committed migrations in drizzle/sqlite/. Migrations are additive and recorded in
// __drizzle_migrations, so a second start on the same file applies nothing.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

// Resolved from this file so it works from src/ (tsx, vitest) and dist/src/ (npm start).
const here = dirname(fileURLToPath(import.meta.url));
const MIGRATIONS = [resolve(here, '../../../drizzle/sqlite'), resolve(here, '../../../../drizzle/sqlite')];

function migrationsFolder(): string {
  const found = MIGRATIONS.find((candidate) => existsSync(resolve(candidate, 'meta/_journal.json')));
  if (!found) throw new Error('drizzle/sqlite/ migrations folder not found');
  return found;
}

export function openDatabase(url: string): Db {
  if (url !== ':memory:') mkdirSync(dirname(resolve(url)), { recursive: true });
  const sqlite = new Database(url);
  // WAL lets readers run beside the writer; NORMAL sync is durable across
  // process crashes in WAL mode and avoids an fsync per spent challenge.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: migrationsFolder() });
  return db;
}
