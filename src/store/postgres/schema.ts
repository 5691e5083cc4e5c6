// latchkey's tables on PostgreSQL: the same records as the SQLite schema, in
// PostgreSQL's own types. Migrations in drizzle/postgres/ are generated from
// this file (`npm run db:generate:postgres`) and committed; what drizzle cannot
// declare (UNLOGGED, the change triggers) is added to them by hand and says so.
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Actor, ApiKeyRecord, AppRecord, AuditEventRecord, CustomerJwtPolicy, KeyRecord, RevocationRecord, SigningKeyRecord } from '../records.js';
import type { Expect, Same } from '../same-shape.js';

// Millisecond precision, like the JavaScript Dates the records hold, so a time
// reads back exactly as it was written.
const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

// Insertion order, to break ties between rows created in the same millisecond
// (SQLite uses its rowid for this). Never part of a record.
const seq = () => bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity();

export const apps = pgTable(
  'apps',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    projectId: text('project_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    type: text('type', { enum: ['web_client'] }).notNull(),
    defaultAgentId: text('default_agent_id'),
    prompt: text('prompt'),
    enabled: boolean('enabled').notNull(),
    // Normalized allowlist entries (§4.1); jsonb keeps the array's order.
    allowedDomains: jsonb('allowed_domains').$type<string[]>().notNull(),
    allowAnonymous: boolean('allow_anonymous').notNull(),
    customerJwt: jsonb('customer_jwt').$type<CustomerJwtPolicy>().notNull().default(sql`'{}'::jsonb`),
    createdAt: time('created_at').notNull(),
    updatedAt: time('updated_at').notNull(),
    seq: seq(),
  },
  // A project's page of apps, oldest first, is one range of this index.
  (t) => [index('apps_by_project').on(t.tenantId, t.projectId, t.createdAt, t.seq)],
);

// Customer public keys, found only by (app, kid): a customer JWT names its kid,
// and no other key of any app is tried.
export const authKeys = pgTable(
  'auth_keys',
  {
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    kid: text('kid').notNull(),
    algorithm: text('algorithm').notNull(),
    publicKey: text('public_key').notNull(),
    thumbprint: text('thumbprint').notNull(),
    createdAt: time('created_at').notNull(),
    seq: seq(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.kid] })],
);

// The service's own signing keys (§2.6). Status follows from the times (see
// SigningKeyRecord); a retired key stays in JWKS until `publishUntil`.
export const signingKeys = pgTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    alg: text('alg', { enum: ['EdDSA', 'ES256'] }).notNull().default('EdDSA'),
    privateKey: text('private_key').notNull(),
    publicJwk: jsonb('public_jwk').$type<SigningKeyRecord['publicJwk']>().notNull(),
    createdAt: time('created_at').notNull(),
    // Backfilled from created_at for keys made before the lifecycle (migration 0003).
    activatesAt: time('activates_at').notNull().default(sql`now()`),
    retiredAt: time('retired_at'),
    publishUntil: time('publish_until'),
    revokedAt: time('revoked_at'),
    seq: seq(),
  },
  // At most one newest key (pending or current, retired_at not yet set),
  // whatever runs: every such row indexes the same value (true), so a second
  // one is a unique violation. The store's advisory lock makes nodes wait for
  // each other; this index makes a bug loud.
  (t) => [uniqueIndex('signing_keys_one_current').on(sql`(${t.retiredAt} IS NULL)`).where(sql`${t.retiredAt} IS NULL`)],
);

// Solved proof-of-work challenges, each remembered until it expires so it is
// accepted once. Keyed by expiry first, as on SQLite (see src/db/schema.ts for
// why that is as unique as the challenge alone): spends append at the right
// edge of the b-tree and the purge is a range of the same key. Logged and
// durably committed, unlike the rate limits: a spend lost in a crash or a
// failover would let its solution be accepted a second time.
export const spentChallenges = pgTable(
  'spent_challenges',
  {
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    challenge: text('challenge').notNull(),
  },
  (t) => [primaryKey({ columns: [t.expiresAt, t.challenge] })],
);

// Service-wide values, such as the hash of a generated management key.
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: time('updated_at').notNull().defaultNow(),
});

// One row (id 1) that the change triggers bump on every write to apps,
// auth_keys and signing_keys, the tables nodes cache. Notifications are the fast
// path; a node that reads a value it was not told about drops its caches
// (change-feed.ts), which covers notifications lost while it was disconnected.
export const cacheGeneration = pgTable('cache_generation', {
  id: integer('id').primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull(),
});

// Rate-limit counters: one fixed window per (limit, client), opened by the
// client's first counted request. UNLOGGED (a hand edit in the migration):
// no WAL, so a hit costs no flush; a crash empties the table, which forgives
// at most one window of hits.
export const rateLimits = pgTable(
  'rate_limits',
  {
    bucket: text('bucket').notNull(),
    key: text('key').notNull(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.key] })],
);

// Scoped management keys (§2.3): found by the SHA-256 of their secret.
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tenantId: text('tenant_id').notNull(),
    projectId: text('project_id'),
    secretHash: text('secret_hash').notNull(),
    createdAt: time('created_at').notNull(),
    expiresAt: time('expires_at'),
    lastUsedAt: time('last_used_at'),
    revokedAt: time('revoked_at'),
    seq: seq(),
  },
  (t) => [uniqueIndex('api_keys_by_secret').on(t.secretHash), index('api_keys_by_tenant').on(t.tenantId, t.seq)],
);

// Audit events (§2.4). `seq` orders them and is the paging position: newest
// first is descending seq, and a page boundary never moves when events are
// added. Kept AUDIT_RETENTION_DAYS, purged by `at`.
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: seq().primaryKey(),
    id: text('id').notNull(),
    at: time('at').notNull(),
    action: text('action').notNull(),
    actor: jsonb('actor').$type<Actor>().notNull(),
    tenantId: text('tenant_id'),
    projectId: text('project_id'),
    appId: text('app_id'),
    target: text('target'),
    changes: jsonb('changes').$type<Record<string, unknown>>(),
    ip: text('ip'),
    requestId: text('request_id'),
  },
  (t) => [
    uniqueIndex('audit_events_id').on(t.id),
    index('audit_events_by_tenant').on(t.tenantId, t.seq),
    index('audit_events_by_app').on(t.appId, t.seq),
    index('audit_events_by_time').on(t.at),
  ],
);

// Session revocations (§2.5, §4.4): few, cached in memory on every node,
// purged once they can no longer match a live token.
export const revocations = pgTable(
  'revocations',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    jti: text('jti'),
    userId: text('user_id'),
    issuedBefore: time('issued_before'),
    createdAt: time('created_at').notNull(),
    expiresAt: time('expires_at').notNull(),
    seq: seq(),
  },
  (t) => [index('revocations_by_app').on(t.appId, t.createdAt), index('revocations_by_expiry').on(t.expiresAt)],
);

// Customer JWTs already exchanged by an app with `singleUse` (§4.2 step 9):
// the (app, jti) key makes "record it unless present" one atomic insert,
// exactly one winner across nodes; rows live until the token's exp. Logged and
// durable, like spent challenges: losing one would allow a second exchange.
export const usedJtis = pgTable(
  'used_jtis',
  {
    appId: text('app_id').notNull(),
    jti: text('jti').notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.jti] }), index('used_jtis_by_expiry').on(t.expiresAt)],
);

// The rows read back are exactly the records domain code sees; `seq` stays here.
export type RowsMatchRecords = [
  Expect<Same<Omit<typeof apps.$inferSelect, 'seq'>, AppRecord>>,
  Expect<Same<Omit<typeof authKeys.$inferSelect, 'seq'>, KeyRecord>>,
  Expect<Same<Omit<typeof signingKeys.$inferSelect, 'seq'>, SigningKeyRecord>>,
  Expect<Same<Omit<typeof apiKeys.$inferSelect, 'seq'>, ApiKeyRecord>>,
  Expect<Same<Omit<typeof auditEvents.$inferSelect, 'seq'>, AuditEventRecord>>,
  Expect<Same<Omit<typeof revocations.$inferSelect, 'seq'>, RevocationRecord>>,
];
