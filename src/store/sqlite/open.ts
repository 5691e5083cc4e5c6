// Opens the SQLite database, sets the pragmas latchkey relies on and applies the
// committed migrations in drizzle/sqlite/ (./migrate.ts). Any number of
// processes may open one brand-new file at the same instant: each step that
// needs the write lock waits for it or retries (./busy-timeout.ts), and the
// migrations are applied once. A path that cannot be used stops the start with
// DatabaseOpenError, whose message is one line for the operator.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { retryWhileLocked, STARTUP_BUSY_TIMEOUT_MS, useServingBusyTimeout } from './busy-timeout.js';
import type { StoreLog } from '../store-log.js';
import { applyMigrations, schemaVersions } from './migrate.js';
import { rememberOpenedFile } from './readiness.js';
import * as schema from './schema.js';
import { DatabaseOpenError } from './sqlite-errors.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

// Resolved from this file so it works from src/ (tsx, vitest) and dist/src/ (npm start).
const here = dirname(fileURLToPath(import.meta.url));
const MIGRATIONS = [resolve(here, '../../../drizzle/sqlite'), resolve(here, '../../../../drizzle/sqlite')];

function migrationsFolder(): string {
  const found = MIGRATIONS.find((candidate) => existsSync(resolve(candidate, 'meta/_journal.json')));
  if (!found) throw new Error('drizzle/sqlite/ migrations folder not found');
  return found;
}

const FS_REASONS: Record<string, string> = {
  ENOTDIR: 'a parent of the path is a file, not a directory',
  EEXIST: 'a parent of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};

/** Why a path could not be used, in words for the one line the operator sees. */
function reason(error: unknown): string | undefined {
  if (error instanceof Database.SqliteError) return error.message;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === undefined ? undefined : (FS_REASONS[code] ?? code);
}

function openFile(path: string): Database.Database {
  if (path === ':memory:') return new Database(path);
  try {
    // SQLite's own word for this is "unable to open database file".
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new DatabaseOpenError(`cannot open the database at ${path}: it is a directory`);
    }
    mkdirSync(dirname(path), { recursive: true });
    // Start-up may wait for other processes starting on the same file.
    return new Database(path, { timeout: STARTUP_BUSY_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw error;
    const why = reason(error);
    if (why === undefined) throw error;
    throw new DatabaseOpenError(`cannot open the database at ${path}: ${why}`, { cause: error });
  }
}

export function openDatabase(url: string, options: { migrate?: boolean; log?: StoreLog } = {}): Db {
  const path = url === ':memory:' ? url : resolve(url);
  const sqlite = openFile(path);
  try {
    // WAL lets readers run beside the writer; NORMAL sync is durable across
    // process crashes in WAL mode and avoids an fsync per spent challenge.
    retryWhileLocked(() => sqlite.pragma('journal_mode = WAL'));
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    const folder = migrationsFolder();
    if (options.migrate ?? true) {
      const applied = retryWhileLocked(() => applyMigrations(sqlite, folder));
      if (applied > 0) options.log?.info({ applied }, 'database migrated');
      else options.log?.info('database schema is up to date');
    } else {
      // MIGRATE_ON_START=false: the operator migrates; a schema that is not
      // exactly the code's is refused rather than half-used.
      const { applied, expected } = schemaVersions(sqlite, folder);
      if (applied !== expected) {
        const state = applied === undefined ? 'has no latchkey schema' : applied < expected ? 'is behind this version' : 'is ahead of this version';
        throw new DatabaseOpenError(`the database at ${path} ${state}; run \`latchkey migrate\` (MIGRATE_ON_START=false)`);
      }
    }
    if (path !== ':memory:') rememberOpenedFile(sqlite, path);
    useServingBusyTimeout(sqlite);
  } catch (error) {
    sqlite.close();
    // A file that is not a database, a read-only one, a lock held for long…
    if (error instanceof Database.SqliteError) {
      throw new DatabaseOpenError(`cannot open the database at ${path}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return drizzle(sqlite, { schema }) as Db;
}
