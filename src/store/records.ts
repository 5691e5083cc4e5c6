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
  createdAt: Date;
  updatedAt: Date;
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

/** One of the service's own signing keys (§4.3). */
export interface SigningKeyRecord {
  kid: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  createdAt: Date;
  /** When it stopped signing; null while current. */
  retiredAt: Date | null;
  /** When a retired key leaves JWKS: after the last token it signed has expired. */
  publishUntil: Date | null;
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
