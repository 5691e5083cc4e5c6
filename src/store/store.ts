// What latchkey needs from a database, and nothing more. Two implementations:
// src/store/sqlite/ (the default, one file shared by any number of processes)
// and src/store/postgres/ (any number of nodes). Nothing outside src/store/
// imports a driver, a drizzle table or a row type of either; domain code sees
// the plain records of ./records.ts.
//
// Every method is async so one interface serves both: SQLite's synchronous
// statements return resolved promises (an await costs ~0.05 µs), PostgreSQL's
// go over the network without blocking the event loop.
//
// A method that cannot reach its database (busy, gone, timed out) rejects with
// StoreUnavailableError (./store-errors.ts), which the HTTP layers answer with
// 503 `service_unavailable` and `Retry-After` (contract §0).
import type { ApiKeyRecord, AppRecord, AppScope, AuditEventRecord, KeyRecord, RevocationRecord, SigningKeyRecord } from './records.js';

export type AddKeyResult =
  | { ok: true; key: KeyRecord }
  | { ok: false; reason: 'kid_conflict' | 'key_limit_reached' | 'app_not_found' };

// Every write that an audit event records takes the event and stores it in the
// same transaction (contract §2.4): a write that fails leaves no event, and no
// event exists without its write. Where the event depends on the row as it was
// (what a PATCH changed, which key was deleted) the store passes that row to a
// callback inside the transaction.

/** The fields an app update sets (undefined leaves a field alone). */
export type AppChanges = Partial<Omit<AppRecord, 'id' | 'tenantId' | 'projectId' | 'createdAt'>>;

export interface AppStore {
  create(app: AppRecord, event?: AuditEventRecord): Promise<void>;
  /** Oldest first (insertion order breaks ties), one page. */
  list(scope: AppScope, page: number, limit: number): Promise<{ apps: AppRecord[]; total: number }>;
  /** The app when it lives under `scope`; another tenant's app is a missing one. */
  getScoped(scope: AppScope, appId: string): Promise<AppRecord | undefined>;
  /** Any app by id, for the run API (whose paths carry no tenant). */
  getById(appId: string): Promise<AppRecord | undefined>;
  /**
   * Sets the given fields (undefined leaves a field alone); the updated app, or
   * undefined when missing. `changes` may be a function of the row as it is,
   * read inside the transaction with the row locked (a nested merge-patch must
   * not lose a concurrent PATCH's change to a sibling field). With `event`, the row as it was and as it would be
   * are passed to it inside the transaction: its event is stored with the
   * write, and when it answers null nothing is written (a PATCH that changes
   * no value) and the app is returned as it is.
   */
  update(
    scope: AppScope,
    appId: string,
    changes: AppChanges | ((before: AppRecord) => AppChanges),
    event?: (before: AppRecord, after: AppRecord) => AuditEventRecord | null,
  ): Promise<AppRecord | undefined>;
  /** Deletes the app and its keys; false when it was missing. */
  delete(scope: AppScope, appId: string, event?: AuditEventRecord): Promise<boolean>;
  /** Each tenant and project that has apps (within `within`), with how many, ordered by tenant then project. */
  projects(within: { tenantId?: string; projectId?: string }): Promise<{ tenantId: string; projectId: string; apps: number }[]>;
}

export interface KeyStore {
  /**
   * Adds a key unless the app already has one with that kid or holds `max`
   * keys. Atomic across processes and nodes: concurrent uploads never make
   * more than `max` (SQLite: BEGIN IMMEDIATE; PostgreSQL: the app row FOR UPDATE).
   */
  add(key: KeyRecord, max: number, event?: AuditEventRecord): Promise<AddKeyResult>;
  /** Oldest first. */
  list(appId: string): Promise<KeyRecord[]>;
  delete(appId: string, kid: string, event?: (deleted: KeyRecord) => AuditEventRecord): Promise<boolean>;
}

export type AddRevocationResult =
  | { ok: true; revocation: RevocationRecord }
  | { ok: false; reason: 'revocation_limit_reached' | 'app_not_found' };

export interface RevocationStore {
  /**
   * Adds a revocation unless the app already holds `max` live ones (expiresAt
   * after the new one's createdAt). Atomic across processes and nodes, like
   * KeyStore.add: SQLite BEGIN IMMEDIATE, PostgreSQL the app row FOR UPDATE.
   */
  add(revocation: RevocationRecord, max: number, event: AuditEventRecord): Promise<AddRevocationResult>;
  /** One app's stored revocations, newest first. */
  list(appId: string): Promise<RevocationRecord[]>;
  /** Every app's revocations still live at `now`: what each node keeps in memory. */
  listLive(now: Date): Promise<RevocationRecord[]>;
  /** Deletes revocations expired at `now`; how many. */
  purge(now: Date): Promise<number>;
}

export interface UsedJtiStore {
  /**
   * Records that the app exchanged the customer JWT `jti`, kept until
   * `expiresAtSeconds` (the token's exp); false when it already was. One atomic
   * insert: exactly one winner cluster-wide.
   */
  use(appId: string, jti: string, expiresAtSeconds: number): Promise<boolean>;
  /** Deletes jtis whose token expired at `nowSeconds`; how many. */
  purge(nowSeconds: number): Promise<number>;
}

export type RevokeApiKeyResult = 'revoked' | 'already_revoked' | 'not_found';

export interface ApiKeyStore {
  create(key: ApiKeyRecord, event: AuditEventRecord): Promise<void>;
  /** Oldest first; one tenant's when `tenantId` is given. */
  list(tenantId?: string): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  findByHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
  /** Sets revokedAt; the event is stored only when this call revoked it. */
  revoke(id: string, at: Date, event: (key: ApiKeyRecord) => AuditEventRecord): Promise<RevokeApiKeyResult>;
  /** Records a use (lastUsedAt); best effort, off the request's path. */
  touch(id: string, at: Date): Promise<void>;
}

export interface AuditFilter {
  /** Events of this tenant only (scoped listing); all events when absent (the root's list). */
  tenantId?: string;
  projectId?: string;
  appId?: string;
  action?: string;
  /** From a previous page: only events older than this position. */
  before?: number;
  limit: number;
}

export interface AuditStore {
  /**
   * Newest first. `next` is the position to pass as `before` for the next
   * page, null on the last. Positions follow insertion order, so events
   * written while a client pages never shift or repeat the pages it reads.
   */
  list(filter: AuditFilter): Promise<{ events: AuditEventRecord[]; next: number | null }>;
  /** Deletes events older than `before`; how many. */
  purge(before: Date): Promise<number>;
}

/** New times for one existing signing key (the fields a lifecycle step moves). */
export interface SigningKeyUpdate {
  kid: string;
  set: Partial<Pick<SigningKeyRecord, 'activatesAt' | 'retiredAt' | 'publishUntil' | 'revokedAt'>>;
}

/**
 * One lifecycle step (rotation, revocation), decided by domain code from the
 * keys as they are: updates applied in order — a key that leaves "newest"
 * (retiredAt set) before another becomes it (retiredAt cleared), as the
 * one-newest-key rule is checked per statement — then the insert, then the event.
 */
export interface SigningKeyChange {
  updates: SigningKeyUpdate[];
  insert?: SigningKeyRecord;
  event?: AuditEventRecord;
}

export interface SigningKeyStore {
  /**
   * Inserts `make()`'s key when no key is the newest (retiredAt null). At most
   * one such key cluster-wide, however many nodes start at once.
   */
  ensureCurrent(make: () => SigningKeyRecord): Promise<void>;
  /**
   * Reads every key and applies what `plan` decides, with its audit event, in
   * one transaction that excludes every other ensureCurrent/change (SQLite:
   * BEGIN IMMEDIATE; PostgreSQL: an advisory lock). `plan` answers null for no change.
   */
  change<T>(plan: (keys: SigningKeyRecord[]) => { change: SigningKeyChange | null; result: T }): Promise<T>;
  /** Oldest first. */
  all(): Promise<SigningKeyRecord[]>;
  /**
   * Replaces a key's stored private key when it is still `expected` (the same
   * key in another form: encrypted at rest); false when it was not.
   */
  replacePrivateKey(kid: string, expected: string, privateKey: string): Promise<boolean>;
}

export interface SpentChallengeStore {
  /** Marks a solved challenge spent; false when it already was. Exactly one winner cluster-wide. */
  spend(challenge: string, expiresAtSeconds: number): Promise<boolean>;
  /** Deletes challenges expired at `nowSeconds`; how many. */
  purge(nowSeconds: number): Promise<number>;
}

export interface SettingStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` unless the key exists; true when this call stored it. */
  putIfAbsent(key: string, value: string): Promise<boolean>;
}

export interface RateLimitStore {
  /**
   * Counts one hit for `key` in limit `bucket`, in fixed windows of
   * `windowMs` opened by the key's first hit (contract §0). Returns the hits
   * so far in the current window and when that window ends (ms).
   */
  hit(bucket: string, key: string, nowMs: number, windowMs: number): Promise<{ hits: number; resetAtMs: number }>;
  /** The hits so far in the current window, without counting one. */
  peek(bucket: string, key: string, nowMs: number, windowMs: number): Promise<{ hits: number; resetAtMs: number }>;
  /** Deletes windows of `windowMs` that ended at or before `nowMs`; how many. */
  purge(nowMs: number, windowMs: number): Promise<number>;
}

/** Which cached table another process or node wrote to; '*' when unknown (drop everything). */
export type ChangedTable = 'apps' | 'auth_keys' | 'signing_keys' | 'revocations' | '*';

export interface ChangeFeed {
  /**
   * Runs `listener` whenever a cached table was written: by this store (called
   * after the write commits and before its promise resolves, so the node that
   * made a write serves the next request with it) or by another process or
   * node (SQLite: seen by poll(); PostgreSQL: pushed, within ~ms, and polled).
   */
  subscribe(listener: (table: ChangedTable) => void): void;
  /**
   * A cheap synchronous check before a cache is read. SQLite: one pragma
   * (another process's commit is only seen this way). PostgreSQL: nothing,
   * changes are pushed (LISTEN/NOTIFY) and polled on a timer.
   */
  poll(): void;
  /**
   * Moves whenever caches are dropped. A cache fill reads it before its query
   * and stores the result only if it has not moved, so a fill that raced an
   * invalidation is never kept.
   */
  readonly epoch: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly apps: AppStore;
  readonly keys: KeyStore;
  readonly signingKeys: SigningKeyStore;
  readonly spentChallenges: SpentChallengeStore;
  readonly settings: SettingStore;
  readonly rateLimits: RateLimitStore;
  readonly apiKeys: ApiKeyStore;
  readonly audit: AuditStore;
  readonly revocations: RevocationStore;
  readonly usedJtis: UsedJtiStore;
  readonly changes: ChangeFeed;
  /** Resolves when the database answers and is the one this store opened; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
