// Tells this node when another node wrote to a table it caches.
//
// - Push: the triggers of migration 0001 `pg_notify('latchkey_cache', <table>)`
//   at commit; one dedicated connection per node LISTENs (about 2 ms from write
//   to every node, measured). It cannot go through a transaction-pooling
//   PgBouncer: LISTEN needs a session of its own.
// - Notifications sent while that connection is down are lost for good, so on
//   every (re)connect the feed LISTENs first, then drops everything ('*').
//   Reconnects back off exponentially, capped at 2 s.
// - Safety net: every `pollSeconds` the same connection reads the generation
//   the triggers bump; a change no notification announced drops everything.
//   The query also proves the connection alive (a half-open socket times out
//   and is replaced).
//
// `epoch` moves on every drop, so a cache fill that raced one is not kept.
import pg from 'pg';
import type { ChangedTable, ChangeFeed } from '../store.js';
import type { StoreLog } from '../store-log.js';

export const CHANNEL = 'latchkey_cache';
const TABLES = new Set<ChangedTable>(['apps', 'auth_keys', 'signing_keys', 'revocations']);
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

export interface ChangeFeedOptions {
  /** Seconds between generation checks (default 5). */
  pollSeconds?: number;
  /** Longest wait for a connection or for the generation query (default 2 s). */
  timeoutMs?: number;
  log: StoreLog;
}

export interface PostgresChangeFeed extends ChangeFeed {
  /** Connects and LISTENs; rejects when the database cannot be reached. */
  start(): Promise<void>;
  close(): Promise<void>;
  /**
   * Reports a write this node made, as soon as it committed: its own NOTIFY
   * arrives a moment later, but the node that made a write must serve the
   * very next request with it (contract §5).
   */
  notifyLocal(table: ChangedTable): void;
}

export function createChangeFeed(connectionString: string, options: ChangeFeedOptions): PostgresChangeFeed {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const listeners: ((table: ChangedTable) => void)[] = [];
  let epoch = 0;
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let seenGeneration: number | undefined;
  let notifiedSincePoll = false;
  let polling = false;

  const drop = (table: ChangedTable) => {
    epoch++;
    for (const listener of listeners) {
      try {
        listener(table);
      } catch (error) {
        log.error({ err: error }, 'change listener failed');
      }
    }
  };

  const readGeneration = async (on: pg.Client) => {
    const { rows } = await on.query<{ value: string }>({
      text: 'SELECT value FROM cache_generation WHERE id = 1',
      query_timeout: timeoutMs,
    } as pg.QueryConfig);
    return Number(rows[0]?.value ?? 0);
  };

  const lost = (which: pg.Client, error?: unknown) => {
    if (which !== client) return;
    client = undefined;
    which.end().catch(() => {});
    if (closed) return;
    log.warn({ err: error }, 'cache change listener lost its connection; reconnecting');
    scheduleReconnect();
  };

  const connect = async () => {
    const next = new pg.Client({
      connectionString,
      application_name: 'latchkey-listener',
      connectionTimeoutMillis: timeoutMs,
      keepAlive: true,
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next));
    next.on('notification', (message) => {
      if (message.channel !== CHANNEL || next !== client) return;
      notifiedSincePoll = true;
      drop(TABLES.has(message.payload as ChangedTable) ? (message.payload as ChangedTable) : '*');
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      seenGeneration = await readGeneration(next);
    } catch (error) {
      next.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    retryMs = FIRST_RETRY_MS;
    notifiedSincePoll = false;
    // Whatever was written while no one listened: forget it all.
    drop('*');
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().then(
        () => log.info('cache change listener reconnected'),
        () => scheduleReconnect(),
      );
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const pollGeneration = async () => {
    const on = client;
    if (!on || polling) return;
    polling = true;
    try {
      const generation = await readGeneration(on);
      if (on !== client) return;
      if (generation !== seenGeneration && !notifiedSincePoll) {
        log.warn('cache generation moved without a notification; dropping caches');
        drop('*');
      }
      seenGeneration = generation;
      notifiedSincePoll = false;
    } catch (error) {
      lost(on, error);
    } finally {
      polling = false;
    }
  };

  const pollTimer = setInterval(() => void pollGeneration(), Math.max(0.05, options.pollSeconds ?? 5) * 1000);
  pollTimer.unref();

  return {
    get epoch() {
      return epoch;
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    poll() {
      // Changes are pushed and polled on a timer: nothing to do per request.
    },
    notifyLocal: drop,
    start: connect,
    async close() {
      closed = true;
      clearInterval(pollTimer);
      if (retryTimer) clearTimeout(retryTimer);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}
