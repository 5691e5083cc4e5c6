// The PostgreSQL store: any number of latchkey nodes share one database
// (contract §5). Each node holds one pool for its queries and one connection
// that LISTENs for the other nodes' writes (./change-feed.ts).
//
// A database that cannot answer must cost a request at most a few seconds
// (503 within 5 s, contract §0): a connection is waited for at most
// `timeoutMs`, a statement runs at most `timeoutMs` on the server, and a
// statement whose answer never arrives (a dead network) is abandoned a second
// after that. The pool replaces broken connections by itself, so a node works
// again as soon as the database is back, without being reopened.
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { StoreUnavailableError } from '../store-errors.js';
import type { ChangedTable, Store } from '../store.js';
import { createApiKeyStore } from './api-keys.js';
import { createAppStore } from './apps.js';
import { createAuditStore } from './audit.js';
import { createChangeFeed } from './change-feed.js';
import { guardMethods } from './guard-methods.js';
import { createKeyStore } from './keys.js';
import { checkPostgresSchema, migratePostgres } from './migrate.js';
import { createRateLimitStore } from './rate-limits.js';
import { createRevocationStore } from './revocations.js';
import * as schema from './schema.js';
import { createSettingStore } from './settings.js';
import { createSigningKeyStore } from './signing-keys.js';
import { createSpentChallengeStore } from './spent-challenges.js';
import { silentLog, type StoreLog } from '../store-log.js';
import { createUsedJtiStore } from './used-jtis.js';
import { guarded, toStoreError } from './unavailable.js';

export interface PostgresStoreOptions {
  /** Connections in this node's pool (PG_POOL_MAX; default 10). The listener takes one more. */
  poolMax?: number;
  /** Seconds between the change feed's generation checks (CACHE_POLL_SECONDS; default 5). */
  pollSeconds?: number;
  /** Apply pending migrations under the migration lock (default), or only check the schema is current. */
  migrateOnStart?: boolean;
  /** Longest wait for a connection, and longest statement (default 2000 ms). */
  timeoutMs?: number;
  log?: StoreLog;
}

/** True for the DATABASE_URL values that select this store. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const log = options.log ?? silentLog;
  const timeoutMs = options.timeoutMs ?? 2_000;
  // Connection wait + one statement (+ the second before query_timeout) stay
  // below this; a call that would not is answered unavailable at this point.
  const deadlineMs = 2 * timeoutMs;
  if (options.migrateOnStart ?? true) await migratePostgres(url, { log });
  else await checkPostgresSchema(url);

  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'latchkey',
    max: options.poolMax ?? 10,
    // Also bounds the wait for a free connection when all are busy.
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1_000,
    // A node that stalls inside a transaction must not hold row locks for long.
    idle_in_transaction_session_timeout: 10_000,
    keepAlive: true,
  });
  // Idle connections die with the server (restart, failover); the pool drops
  // them and opens new ones on demand. Without a listener this event would
  // crash the process.
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection lost'));
  // pg-pool listens only while a connection is idle. One lent out (a
  // transaction, a purge) that the server or the network closes also emits
  // 'error', and unheard that ends the process. Its caller's query has
  // already failed with the same error and handles it (a 503, a retried
  // purge), and the pool drops the connection when it comes back.
  pool.on('connect', (client) => client.on('error', () => {}));

  const changes = createChangeFeed(url, { pollSeconds: options.pollSeconds, timeoutMs, log });
  try {
    await changes.start();
  } catch (error) {
    await Promise.allSettled([changes.close(), pool.end()]);
    throw toStoreError(error);
  }

  const db = drizzle({ client: pool, schema });
  const spentChallenges = createSpentChallengeStore(pool, deadlineMs);
  let closing: Promise<void> | undefined;

  // Each write to a cached table drops this node's caches once it has
  // committed, before its promise resolves.
  const reporting = <T extends object>(methods: T, table: ChangedTable, writes: (keyof T)[]): T => {
    const wrapped = { ...methods };
    for (const name of writes) {
      const method = methods[name] as unknown as (...args: unknown[]) => Promise<unknown>;
      (wrapped as Record<keyof T, unknown>)[name] = async (...args: unknown[]) => {
        const result = await method.apply(methods, args);
        changes.notifyLocal(table);
        return result;
      };
    }
    return wrapped;
  };

  return {
    kind: 'postgres',
    apps: reporting(guardMethods(createAppStore(db, pool), deadlineMs), 'apps', ['create', 'update', 'delete']),
    keys: reporting(guardMethods(createKeyStore(db, pool), deadlineMs), 'auth_keys', ['add', 'delete']),
    signingKeys: reporting(guardMethods(createSigningKeyStore(db, pool), deadlineMs), 'signing_keys', ['ensureCurrent', 'change']),
    spentChallenges,
    settings: guardMethods(createSettingStore(db), deadlineMs),
    rateLimits: guardMethods(createRateLimitStore(pool), deadlineMs, ['purge']),
    apiKeys: guardMethods(createApiKeyStore(db, pool), deadlineMs),
    audit: guardMethods(createAuditStore(db), deadlineMs, ['purge']),
    revocations: reporting(guardMethods(createRevocationStore(db, pool), deadlineMs, ['purge']), 'revocations', ['add', 'purge']),
    usedJtis: guardMethods(createUsedJtiStore(pool), deadlineMs, ['purge']),
    changes,
    ping() {
      return guarded(async () => {
        // Also proves this is latchkey's database: an empty or replaced one has no generation row.
        const { rowCount } = await pool.query('SELECT 1 FROM cache_generation WHERE id = 1');
        if (rowCount !== 1) throw new StoreUnavailableError('latchkey schema missing');
      }, deadlineMs);
    },
    close() {
      closing ??= (async () => {
        await spentChallenges.drain();
        await changes.close();
        await pool.end();
      })();
      return closing;
    },
  };
}
