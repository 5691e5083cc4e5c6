// The records latchkey keeps, as domain code sees them: plain objects with
// Dates for times, independent of either database's column types. Each
// store's drizzle schema is checked against these at compile time
// (src/store/*/schema.ts), so the two dialects cannot drift apart silently.

export interface AppScope {
  tenantId: string;
  projectId: string;
}

export interface AppRecord {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  description: string | null;
  type: 'web_client';
  defaultAgentId: string | null;
  prompt: string | null;
  enabled: boolean;
  /** Normalized allowlist entries (§4.1). */
  allowedDomains: string[];
  allowAnonymous: boolean;
  /** The app's customer-token policy (§2.1, §4.2 step 9): only the rules that are set. */
  customerJwt: CustomerJwtPolicy;
  createdAt: Date;
  updatedAt: Date;
}

export interface CustomerJwtPolicy {
  /** The customer JWT's `aud` must equal it, or be an array containing it. */
  audience?: string;
  /** Its `iss` must equal it. */
  issuer?: string;
  /** Each customer JWT (by `jti`) is exchanged once. */
  singleUse?: boolean;
}

/** A customer public key (§2.2), found only by (appId, kid). */
export interface KeyRecord {
  appId: string;
  kid: string;
  algorithm: string;
  /** Canonical SPKI PEM. */
  publicKey: string;
  /** RFC 7638 thumbprint. */
  thumbprint: string;
  createdAt: Date;
}

export type SigningAlgorithm = 'EdDSA' | 'ES256';

export type SigningPublicJwk = { kty: 'OKP'; crv: 'Ed25519'; x: string } | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

/**
 * One of the service's own signing keys (§2.6, §4.3). Its status at any time
 * follows from its times, so every node agrees without coordination: revoked
 * once revokedAt is set; pending before activatesAt; retired from retiredAt;
 * current in between.
 */
export interface SigningKeyRecord {
  kid: string;
  alg: SigningAlgorithm;
  /** PKCS#8 PEM, or its encryption under KEY_ENCRYPTION_SECRET (see signing/key-encryption.ts). */
  privateKey: string;
  publicJwk: SigningPublicJwk;
  createdAt: Date;
  /** When it becomes (or became) current. */
  activatesAt: Date;
  /** When it stops (or stopped) signing: a rotation sets it to its successor's activatesAt. Null while it is the newest key. */
  retiredAt: Date | null;
  /** When a retired key leaves JWKS: after the last token it signed has expired. */
  publishUntil: Date | null;
  /** Revoked: out of JWKS at once, and every token it signed is refused. */
  revokedAt: Date | null;
}

/** A revocation of sessions of one app (§2.5): exactly one of jti, userId, issuedBefore. */
export interface RevocationRecord {
  id: string;
  appId: string;
  jti: string | null;
  userId: string | null;
  issuedBefore: Date | null;
  createdAt: Date;
  /** When it can no longer match any token (the longest session lifetime after it was made): purged then. */
  expiresAt: Date;
}

/** Who made a change (§2.4). */
export type Actor = { type: 'root' } | { type: 'api_key'; id: string; name: string } | { type: 'cli' };

/** A scoped management key (§2.3). Only a hash of its secret is kept. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  tenantId: string;
  /** null: every project of the tenant. */
  projectId: string | null;
  /** SHA-256 of the secret, hex: the secret has 256 bits of entropy, so no salt is needed and lookup is by hash. */
  secretHash: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** One audit event (§2.4), written in the same transaction as the change it records. */
export interface AuditEventRecord {
  id: string;
  at: Date;
  action: string;
  actor: Actor;
  tenantId: string | null;
  projectId: string | null;
  appId: string | null;
  target: string | null;
  changes: Record<string, unknown> | null;
  ip: string | null;
  requestId: string | null;
}
