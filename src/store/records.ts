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
