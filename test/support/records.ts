// Plain records for store-level tests (test/store/*): what domain code would
// hand a store, with fixed, harmless values.
import type { AppRecord, SigningKeyRecord } from '../../src/store/records.js';

export function appRecord(id: string, overrides: Partial<AppRecord> = {}): AppRecord {
  return {
    id,
    tenantId: 't1',
    projectId: 'p1',
    name: 'App',
    description: null,
    type: 'web_client',
    defaultAgentId: null,
    prompt: null,
    enabled: true,
    allowedDomains: [],
    allowAnonymous: true,
    customerJwt: {},
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

/** A current EdDSA signing key whose key material is a placeholder (stores never parse it). */
export function signingKeyRecord(kid: string): SigningKeyRecord {
  const now = new Date();
  return {
    kid,
    privateKey: 'pem',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: kid },
    alg: 'EdDSA',
    createdAt: now,
    activatesAt: now,
    retiredAt: null,
    publishUntil: null,
    revokedAt: null,
  };
}
