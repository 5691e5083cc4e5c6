// Picks the store from DATABASE_URL (contract §1): a postgres:// or
// postgresql:// URL is PostgreSQL, anything else a SQLite file path (or
// `:memory:`). Migrations run here, at start-up, unless MIGRATE_ON_START=false.
// PostgreSQL's driver is loaded only when it is used.
import type { StoreLog } from './store-log.js';
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/store.js';

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/** The database as logs and messages may name it: never a password. */
export function databaseLabel(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export interface OpenStoreOptions {
  migrateOnStart?: boolean;
  /** PostgreSQL: connections in this node's pool. */
  poolMax?: number;
  /** PostgreSQL: seconds between the change feed's safety-net generation checks. */
  cachePollSeconds?: number;
  log?: StoreLog;
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(url)) {
    const { openPostgresStore } = await import('./postgres/store.js');
    return openPostgresStore(url, {
      migrateOnStart: options.migrateOnStart,
      poolMax: options.poolMax,
      pollSeconds: options.cachePollSeconds,
      log: options.log,
    });
  }
  return openSqliteStore(url, { migrate: options.migrateOnStart, log: options.log });
}

/**
 * Applies pending migrations and returns (`latchkey migrate`, §3.6), for
 * deployments that start nodes with MIGRATE_ON_START=false and migrate as a
 * step of their own. SQLite migrates whenever it is opened.
 */
export async function migrateStore(url: string): Promise<{ database: Store['kind'] }> {
  if (isPostgresUrl(url)) {
    const { migratePostgres } = await import('./postgres/migrate.js');
    await migratePostgres(url);
    return { database: 'postgres' };
  }
  await openSqliteStore(url).close();
  return { database: 'sqlite' };
}
