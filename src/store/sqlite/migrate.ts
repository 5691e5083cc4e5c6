// Applies the committed migrations in drizzle/sqlite/, recorded in drizzle's own
// __drizzle_migrations table exactly as drizzle's migrate() records them, so
// drizzle-kit and databases migrated by earlier releases see no difference.
//
// Why not drizzle's migrate(): it reads the last applied migration before its
// transaction begins (and that BEGIN is deferred). Two processes starting on a
// new file both read "nothing applied", and the second then fails on `table
// apps already exists` — or, for a migration whose statements do not fail
// when repeated (an INSERT … SELECT, an UPDATE), applies it twice. Here the
// read and the writes share one BEGIN IMMEDIATE transaction: whoever holds the
// write lock sees every migration committed before it, so each migration is
// applied exactly once however many processes start at once; the others wait
// for the lock (the start-up busy timeout) and find nothing left to do.
import type Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';

export function applyMigrations(sqlite: Database.Database, migrationsFolder: string): number {
  const migrations = readMigrationFiles({ migrationsFolder });
  const apply = sqlite.transaction(() => {
    sqlite.exec(`CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (
      id SERIAL PRIMARY KEY,
      hash text NOT NULL,
      created_at numeric
    )`);
    const last = sqlite.prepare('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1').pluck().get();
    const record = sqlite.prepare('INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)');
    let applied = 0;
    for (const migration of migrations) {
      if (last !== undefined && Number(last) >= migration.folderMillis) continue;
      for (const statement of migration.sql) sqlite.exec(statement);
      record.run(migration.hash, migration.folderMillis);
      applied += 1;
    }
    return applied;
  });
  return apply.immediate();
}

/** The newest migration applied to `sqlite` and the newest the code has; equal when the schema is current. */
export function schemaVersions(sqlite: Database.Database, migrationsFolder: string): { applied: number | undefined; expected: number } {
  const migrations = readMigrationFiles({ migrationsFolder });
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  const last = table ? sqlite.prepare('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1').pluck().get() : undefined;
  return { applied: last === undefined || last === null ? undefined : Number(last), expected: migrations.at(-1)?.folderMillis ?? 0 };
}
