// The SQLite store: one file (or `:memory:`) shared by every process that opens
// it. better-sqlite3 is synchronous, so each method runs its statement at once
// and returns a settled promise; the atomic steps lean on SQLite's single
// writer (BEGIN IMMEDIATE takes the write lock before reading).
import Database from 'better-sqlite3';
import { and, asc, count, desc, eq, gt, isNull, lt, lte, sql } from 'drizzle-orm';
import type { AppScope } from '../records.js';
import type { StoreLog } from '../store-log.js';
import type { AddKeyResult, AddRevocationResult, RevokeApiKeyResult, Store } from '../store.js';
import { duringStartup, guardStore } from './busy-timeout.js';
import { createChangeFeed } from './change-feed.js';
import { checkReady } from './readiness.js';
import { openDatabase, type Db } from './open.js';
import { apiKeys, apps, auditEvents, authKeys, revocations, settings, signingKeys } from './schema.js';

const inScope = (scope: AppScope, appId: string) =>
  and(eq(apps.id, appId), eq(apps.tenantId, scope.tenantId), eq(apps.projectId, scope.projectId));

// The connection behind each store, for the few callers that must reach SQLite
// itself: tests that inspect stored rows, operator tooling. Domain code never does.
const connections = new WeakMap<Store, Database.Database>();

/** The better-sqlite3 connection of a SQLite store (tests and tooling only). */
export function sqliteConnection(store: Store): Database.Database | undefined {
  return connections.get(store);
}

export function openSqliteStore(url: string, options: { migrate?: boolean; log?: StoreLog } = {}): Store {
  const db: Db = openDatabase(url, options);
  const store = sqliteStore(db);
  connections.set(store, db.$client);
  return store;
}

function sqliteStore(db: Db): Store {
  const sqlite: Database.Database = db.$client;
  // Runs one synchronous unit of store work: "cannot serve now" errors become
  // StoreUnavailableError (and a lock held elsewhere makes this connection
  // fail fast for a moment, ./busy-timeout.ts); anything else is a bug.
  const run = async <T>(work: () => T): Promise<T> => guardStore(sqlite, work);
  const changes = createChangeFeed(sqlite);

  const spend = sqlite.prepare('INSERT OR IGNORE INTO spent_challenges (challenge, expires_at) VALUES (?, ?)');
  const purgeSpent = sqlite.prepare('DELETE FROM spent_challenges WHERE expires_at <= ?');
  // One statement per hit. In an UPDATE every right-hand side reads the row as
  // it was, so both CASEs see the old window.
  const hit = sqlite.prepare(
    `INSERT INTO rate_limits (bucket, key, window_start, hits) VALUES (?, ?, ?, 1)
     ON CONFLICT (bucket, key) DO UPDATE SET
       hits = CASE WHEN window_start + ? <= excluded.window_start THEN 1 ELSE hits + 1 END,
       window_start = CASE WHEN window_start + ? <= excluded.window_start THEN excluded.window_start ELSE window_start END
     RETURNING hits, window_start AS windowStart`,
  );
  const peek = sqlite.prepare('SELECT hits, window_start AS windowStart FROM rate_limits WHERE bucket = ? AND key = ?');
  const purgeWindows = sqlite.prepare('DELETE FROM rate_limits WHERE window_start + ? <= ?');
  const useJti = sqlite.prepare('INSERT OR IGNORE INTO used_jtis (app_id, jti, expires_at) VALUES (?, ?, ?)');
  const purgeJtis = sqlite.prepare('DELETE FROM used_jtis WHERE expires_at <= ?');

  return {
    kind: 'sqlite',
    changes,

    apps: {
      create: (app, event) =>
        run(() => {
          db.transaction((tx) => {
            tx.insert(apps).values(app).run();
            if (event) tx.insert(auditEvents).values(event).run();
          });
          changes.notifyLocal('apps');
        }),
      list: (scope, page, limit) =>
        run(() => {
          const where = and(eq(apps.tenantId, scope.tenantId), eq(apps.projectId, scope.projectId));
          const rows = db
            .select()
            .from(apps)
            .where(where)
            // rowid, not the random id, breaks ties between apps created in the same millisecond.
            .orderBy(asc(apps.createdAt), sql`rowid`)
            .limit(limit)
            .offset((page - 1) * limit)
            .all();
          const total = db.select({ n: count() }).from(apps).where(where).get()?.n ?? 0;
          return { apps: rows, total };
        }),
      getScoped: (scope, appId) => run(() => db.select().from(apps).where(inScope(scope, appId)).get()),
      getById: (appId) => run(() => db.select().from(apps).where(eq(apps.id, appId)).get()),
      update: (scope, appId, fields, event) =>
        run(() => {
          const result = db.transaction(
            (tx) => {
              const before = tx.select().from(apps).where(inScope(scope, appId)).get();
              if (!before) return { row: before, wrote: false };
              const changes = typeof fields === 'function' ? fields(before) : fields;
              const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
              if (Object.keys(set).length === 0) return { row: before, wrote: false };
              const audit = event?.(before, { ...before, ...set });
              if (audit === null) return { row: before, wrote: false };
              // drizzle leaves `undefined` columns alone, which is exactly merge-patch.
              const row = tx.update(apps).set(set).where(inScope(scope, appId)).returning().get();
              if (audit) tx.insert(auditEvents).values(audit).run();
              return { row, wrote: true };
            },
            { behavior: 'immediate' },
          );
          if (result.wrote) changes.notifyLocal('apps');
          return result.row;
        }),
      delete: (scope, appId, event) =>
        run(() => {
          // auth_keys rows go with it (ON DELETE CASCADE).
          const deleted = db.transaction((tx) => {
            if (tx.delete(apps).where(inScope(scope, appId)).run().changes !== 1) return false;
            if (event) tx.insert(auditEvents).values(event).run();
            return true;
          });
          if (deleted) changes.notifyLocal('apps');
          return deleted;
        }),
      projects: (within) =>
        run(() =>
          db
            .select({ tenantId: apps.tenantId, projectId: apps.projectId, apps: count() })
            .from(apps)
            .where(
              and(
                within.tenantId === undefined ? undefined : eq(apps.tenantId, within.tenantId),
                within.projectId === undefined ? undefined : eq(apps.projectId, within.projectId),
              ),
            )
            .groupBy(apps.tenantId, apps.projectId)
            .orderBy(asc(apps.tenantId), asc(apps.projectId))
            .all(),
        ),
    },

    keys: {
      add: (key, max, event) =>
        run(() => {
          // BEGIN IMMEDIATE takes the write lock before counting, so two uploads at
          // once (from this process or another one on the same file) cannot both see
          // four keys and make six.
          const result = db.transaction(
            (tx): AddKeyResult => {
              if (!tx.select({ id: apps.id }).from(apps).where(eq(apps.id, key.appId)).get()) {
                return { ok: false, reason: 'app_not_found' };
              }
              const existing = tx.select({ kid: authKeys.kid }).from(authKeys).where(eq(authKeys.appId, key.appId)).all();
              if (existing.some((row) => row.kid === key.kid)) return { ok: false, reason: 'kid_conflict' };
              if (existing.length >= max) return { ok: false, reason: 'key_limit_reached' };
              tx.insert(authKeys).values(key).run();
              if (event) tx.insert(auditEvents).values(event).run();
              return { ok: true, key };
            },
            { behavior: 'immediate' },
          );
          if (result.ok) changes.notifyLocal('auth_keys');
          return result;
        }),
      list: (appId) =>
        run(() =>
          // rowid breaks ties between keys added in the same millisecond.
          db.select().from(authKeys).where(eq(authKeys.appId, appId)).orderBy(asc(authKeys.createdAt), sql`rowid`).all(),
        ),
      delete: (appId, kid, event) =>
        run(() => {
          const deleted = db.transaction((tx) => {
            const key = tx.delete(authKeys).where(and(eq(authKeys.appId, appId), eq(authKeys.kid, kid))).returning().get();
            if (!key) return false;
            if (event) tx.insert(auditEvents).values(event(key)).run();
            return true;
          });
          if (deleted) changes.notifyLocal('auth_keys');
          return deleted;
        }),
    },

    signingKeys: {
      ensureCurrent: (make) =>
        // Called at start, when processes starting together take turns for the
        // write lock: it waits with the start-up timeout (./busy-timeout.ts).
        run(() =>
          duringStartup(sqlite, () => {
            const created = db.transaction(
              (tx) => {
                const current = tx.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt)).get();
                if (current) return false;
                tx.insert(signingKeys).values(make()).run();
                return true;
              },
              { behavior: 'immediate' },
            );
            if (created) changes.notifyLocal('signing_keys');
          }),
        ),
      change: (plan) =>
        run(() => {
          const { result, changed } = db.transaction(
            (tx) => {
              const keys = tx.select().from(signingKeys).orderBy(asc(signingKeys.createdAt), sql`rowid`).all();
              const { change, result } = plan(keys);
              if (!change) return { result, changed: false };
              for (const { kid, set } of change.updates) tx.update(signingKeys).set(set).where(eq(signingKeys.kid, kid)).run();
              if (change.insert) tx.insert(signingKeys).values(change.insert).run();
              if (change.event) tx.insert(auditEvents).values(change.event).run();
              return { result, changed: true };
            },
            { behavior: 'immediate' },
          );
          if (changed) changes.notifyLocal('signing_keys');
          return result;
        }),
      replacePrivateKey: (kid, expected, privateKey) =>
        run(
          () =>
            db
              .update(signingKeys)
              .set({ privateKey })
              .where(and(eq(signingKeys.kid, kid), eq(signingKeys.privateKey, expected)))
              .run().changes === 1,
        ),
      all: () => run(() => db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt), sql`rowid`).all()),
    },

    spentChallenges: {
      spend: (challenge, expiresAtSeconds) => run(() => spend.run(challenge, expiresAtSeconds).changes === 1),
      purge: (nowSeconds) => run(() => purgeSpent.run(nowSeconds).changes),
    },

    settings: {
      get: (key) => run(() => db.select().from(settings).where(eq(settings.key, key)).get()?.value),
      putIfAbsent: (key, value) =>
        run(() => db.insert(settings).values({ key, value }).onConflictDoNothing().run().changes === 1),
    },

    rateLimits: {
      hit: (bucket, key, nowMs, windowMs) =>
        run(() => {
          const row = hit.get(bucket, key, nowMs, windowMs, windowMs) as { hits: number; windowStart: number };
          return { hits: row.hits, resetAtMs: row.windowStart + windowMs };
        }),
      peek: (bucket, key, nowMs, windowMs) =>
        run(() => {
          const row = peek.get(bucket, key) as { hits: number; windowStart: number } | undefined;
          if (!row || row.windowStart + windowMs <= nowMs) return { hits: 0, resetAtMs: nowMs + windowMs };
          return { hits: row.hits, resetAtMs: row.windowStart + windowMs };
        }),
      purge: (nowMs, windowMs) => run(() => purgeWindows.run(windowMs, nowMs).changes),
    },

    apiKeys: {
      create: (key, event) =>
        run(() =>
          db.transaction((tx) => {
            tx.insert(apiKeys).values(key).run();
            tx.insert(auditEvents).values(event).run();
          }),
        ),
      list: (tenantId) =>
        run(() =>
          db
            .select()
            .from(apiKeys)
            .where(tenantId === undefined ? undefined : eq(apiKeys.tenantId, tenantId))
            .orderBy(asc(apiKeys.createdAt), sql`rowid`)
            .all(),
        ),
      get: (id) => run(() => db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()),
      findByHash: (secretHash) => run(() => db.select().from(apiKeys).where(eq(apiKeys.secretHash, secretHash)).get()),
      revoke: (id, at, event) =>
        run(() =>
          db.transaction(
            (tx): RevokeApiKeyResult => {
              const key = tx.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
              if (!key) return 'not_found';
              if (key.revokedAt) return 'already_revoked';
              tx.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id)).run();
              tx.insert(auditEvents).values(event({ ...key, revokedAt: at })).run();
              return 'revoked';
            },
            { behavior: 'immediate' },
          ),
        ),
      touch: (id, at) => run(() => void db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id)).run()),
    },

    audit: {
      list: (filter) =>
        run(() => {
          const rows = db
            .select()
            .from(auditEvents)
            .where(
              and(
                filter.tenantId === undefined ? undefined : eq(auditEvents.tenantId, filter.tenantId),
                filter.projectId === undefined ? undefined : eq(auditEvents.projectId, filter.projectId),
                filter.appId === undefined ? undefined : eq(auditEvents.appId, filter.appId),
                filter.action === undefined ? undefined : eq(auditEvents.action, filter.action),
                filter.before === undefined ? undefined : lt(auditEvents.seq, filter.before),
              ),
            )
            .orderBy(desc(auditEvents.seq))
            .limit(filter.limit + 1)
            .all();
          const page = rows.slice(0, filter.limit);
          const next = rows.length > filter.limit ? page[page.length - 1]!.seq : null;
          return { events: page.map(({ seq: _seq, ...event }) => event), next };
        }),
      purge: (before) => run(() => db.delete(auditEvents).where(lt(auditEvents.at, before)).run().changes),
    },

    revocations: {
      add: (revocation, max, event) =>
        run(() => {
          // BEGIN IMMEDIATE: the count and the insert see one state, across processes.
          const result = db.transaction(
            (tx): AddRevocationResult => {
              if (!tx.select({ id: apps.id }).from(apps).where(eq(apps.id, revocation.appId)).get()) {
                return { ok: false, reason: 'app_not_found' };
              }
              const live = tx
                .select({ n: count() })
                .from(revocations)
                .where(and(eq(revocations.appId, revocation.appId), gt(revocations.expiresAt, revocation.createdAt)))
                .get();
              if ((live?.n ?? 0) >= max) return { ok: false, reason: 'revocation_limit_reached' };
              tx.insert(revocations).values(revocation).run();
              tx.insert(auditEvents).values(event).run();
              return { ok: true, revocation };
            },
            { behavior: 'immediate' },
          );
          if (result.ok) changes.notifyLocal('revocations');
          return result;
        }),
      list: (appId) =>
        run(() =>
          // rowid breaks ties between revocations made in the same millisecond.
          db.select().from(revocations).where(eq(revocations.appId, appId)).orderBy(desc(revocations.createdAt), sql`rowid desc`).all(),
        ),
      listLive: (now) => run(() => db.select().from(revocations).where(gt(revocations.expiresAt, now)).all()),
      purge: (now) =>
        run(() => {
          const purged = db.delete(revocations).where(lte(revocations.expiresAt, now)).run().changes;
          if (purged > 0) changes.notifyLocal('revocations');
          return purged;
        }),
    },

    usedJtis: {
      use: (appId, jti, expiresAtSeconds) => run(() => useJti.run(appId, jti, expiresAtSeconds).changes === 1),
      purge: (nowSeconds) => run(() => purgeJtis.run(nowSeconds).changes),
    },

    ping: () => run(() => checkReady(sqlite)),
    close: () => run(() => (sqlite.open ? void sqlite.close() : undefined)),
  };
}
