// latchkey's tables on SQLite. Migrations in drizzle/sqlite/ are generated from
// this file with `npm run db:generate` and committed; start-up applies them.
// The record types of src/store/records.ts are what the rest of latchkey sees;
// the checks at the end of this file keep the two in step.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { Actor, ApiKeyRecord, AppRecord, AuditEventRecord, CustomerJwtPolicy, KeyRecord, RevocationRecord, SigningKeyRecord } from '../records.js';

export const apps = sqliteTable(
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
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    // Normalized allowlist entries (§4.1), as a JSON array of strings.
    allowedDomains: text('allowed_domains', { mode: 'json' }).$type<string[]>().notNull(),
    allowAnonymous: integer('allow_anonymous', { mode: 'boolean' }).notNull(),
    customerJwt: text('customer_jwt', { mode: 'json' }).$type<CustomerJwtPolicy>().notNull().default(sql`'{}'`),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('apps_by_project').on(t.tenantId, t.projectId, t.createdAt)],
);

// Customer public keys. The (app, kid) primary key is the only way a key is
// found: a customer JWT names its kid, and no other key of any app is tried.
export const authKeys = sqliteTable(
  'auth_keys',
  {
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    kid: text('kid').notNull(),
    algorithm: text('algorithm').notNull(),
    publicKey: text('public_key').notNull(),
    thumbprint: text('thumbprint').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.kid] })],
);

// The service's own signing keys (§2.6; Ed25519 or P-256). Status follows from
// the times (see SigningKeyRecord); a retired key stays in JWKS until
// `publishUntil`, when its last token has expired.
export const signingKeys = sqliteTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg', { enum: ['EdDSA', 'ES256'] }).notNull().default('EdDSA'),
  privateKey: text('private_key').notNull(),
  publicJwk: text('public_jwk', { mode: 'json' }).$type<SigningKeyRecord['publicJwk']>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  // Backfilled from created_at for keys made before the lifecycle (migration 0005).
  activatesAt: integer('activates_at', { mode: 'timestamp_ms' }).notNull().default(sql`0`),
  retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
  publishUntil: integer('publish_until', { mode: 'timestamp_ms' }),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
});

// Solved proof-of-work challenges, each remembered until its challenge expires so
// it is accepted once. Purged by expiry, so the table is bounded by the challenge
// TTL times the request rate, never by total traffic.
//
// The key is (expires_at, challenge) in a WITHOUT ROWID table (migration 0001;
// drizzle cannot declare that): spends then land at the right edge of one
// b-tree instead of at random places in a hash-ordered one, which made the
// insert about five times cheaper on a table of 300 000 rows, and the purge is
// a range scan of the same key. It is as unique as the challenge alone: a
// challenge is SHA-256(salt + number), the signed salt ends in "&", so the only
// other way to split the same string moves digits of the number into a junk
// parameter after that "&" — the expiry read from the salt cannot change.
export const spentChallenges = sqliteTable(
  'spent_challenges',
  {
    expiresAt: integer('expires_at').notNull(),
    challenge: text('challenge').notNull(),
  },
  (t) => [primaryKey({ columns: [t.expiresAt, t.challenge] })],
);

// Service-wide values, such as the hash of a generated management key.
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch() * 1000)`),
});

// One row whose value triggers (migration 0002) bump on every write to apps,
// auth_keys and signing_keys — the tables running processes cache. SQLite's
// data_version says that *some* other connection committed; spent-challenge
// inserts by another process do that on every proof-of-work request, so the
// caches compare this generation before dropping anything (./change-feed.ts).
export const cacheGeneration = sqliteTable('cache_generation', {
  id: integer('id').primaryKey(),
  value: integer('value').notNull(),
});

// Rate-limit windows (contract §0): one row per limit and client key, the
// window opened by that client's first counted request. Shared by every
// process on the file, so N processes allow the limit once, not N times.
export const rateLimits = sqliteTable(
  'rate_limits',
  {
    bucket: text('bucket').notNull(),
    key: text('key').notNull(),
    windowStart: integer('window_start').notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.key] })],
);

// Scoped management keys (§2.3): found by the SHA-256 of their secret.
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tenantId: text('tenant_id').notNull(),
    projectId: text('project_id'),
    secretHash: text('secret_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('api_keys_by_secret').on(t.secretHash), index('api_keys_by_tenant').on(t.tenantId)],
);

// Audit events (§2.4). `seq` orders them and is the paging position: newest
// first is descending seq, and a page boundary never moves when events are
// added (AUTOINCREMENT: a purged seq is never handed out again).
export const auditEvents = sqliteTable(
  'audit_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    action: text('action').notNull(),
    actor: text('actor', { mode: 'json' }).$type<Actor>().notNull(),
    tenantId: text('tenant_id'),
    projectId: text('project_id'),
    appId: text('app_id'),
    target: text('target'),
    changes: text('changes', { mode: 'json' }).$type<Record<string, unknown>>(),
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
export const revocations = sqliteTable(
  'revocations',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    jti: text('jti'),
    userId: text('user_id'),
    issuedBefore: integer('issued_before', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('revocations_by_app').on(t.appId, t.createdAt), index('revocations_by_expiry').on(t.expiresAt)],
);

// Customer JWTs already exchanged by an app with `singleUse` (§4.2 step 9):
// the (app, jti) key makes "record it unless present" one atomic insert; rows
// live until the token's exp.
export const usedJtis = sqliteTable(
  'used_jtis',
  {
    appId: text('app_id').notNull(),
    jti: text('jti').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.jti] }), index('used_jtis_by_expiry').on(t.expiresAt)],
);

// Compile-time: a row of each table is exactly the record domain code uses.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rowsMatchRecords: [
  Same<typeof apps.$inferSelect, AppRecord>,
  Same<typeof authKeys.$inferSelect, KeyRecord>,
  Same<typeof signingKeys.$inferSelect, SigningKeyRecord>,
  Same<typeof apiKeys.$inferSelect, ApiKeyRecord>,
  Same<Omit<typeof auditEvents.$inferSelect, 'seq'>, AuditEventRecord>,
  Same<typeof revocations.$inferSelect, RevocationRecord>,
] = [true, true, true, true, true, true];
void rowsMatchRecords;
