// One of the service's signing keys (§2.6, §4.3): how it is made, what its
// status is at a given time, and how the management API shows it.
//
// A key's status follows from its times alone, so every node agrees on when a
// pending key becomes current without talking to the others: revoked once
// revokedAt is set; pending before activatesAt; retired from retiredAt;
// current in between.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SigningAlgorithm, SigningKeyRecord, SigningPublicJwk } from '../store/records.js';
import { storablePrivateKey } from './key-encryption.js';

// The longest a session token can live: the anonymous TTL's upper bound
// (contract §1), plus a minute for clock skew. Authenticated sessions are
// shorter (≤ 24 h). Using the bound rather than today's setting keeps a key
// published even if an operator later shortens ANON_SESSION_TTL_SECONDS.
export const MAX_SESSION_LIFETIME_MS = (2_592_000 + 60) * 1000;

/** What creating a key needs from the configuration. */
export interface SigningKeySettings {
  sessionTokenAlg: SigningAlgorithm;
  signingKeyPrepublishSeconds: number;
  keyEncryptionSecret: string | undefined;
}

export const SIGNING_KEY_STATUSES = ['pending', 'current', 'retired', 'revoked'] as const;
export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number];

export function signingKeyStatus(key: SigningKeyRecord, now: number): SigningKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.activatesAt.getTime() > now) return 'pending';
  if (key.retiredAt && key.retiredAt.getTime() <= now) return 'retired';
  return 'current';
}

function keyPair(alg: SigningAlgorithm): { pem: string; jwk: SigningPublicJwk } {
  if (alg === 'ES256') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { x, y } = publicKey.export({ format: 'jwk' });
    return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, jwk: { kty: 'EC', crv: 'P-256', x: x!, y: y! } };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, jwk: { kty: 'OKP', crv: 'Ed25519', x: x! } };
}

/** A new key of the configured algorithm, stored as the configuration says (encrypted when a secret is set). */
export function newSigningKey(settings: SigningKeySettings, now: number, activatesAt = now): SigningKeyRecord {
  const kid = `lk_${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}_${randomUUID().slice(0, 8)}`;
  const { pem, jwk } = keyPair(settings.sessionTokenAlg);
  return {
    kid,
    alg: settings.sessionTokenAlg,
    privateKey: storablePrivateKey(pem, kid, settings.keyEncryptionSecret),
    publicJwk: jwk,
    createdAt: new Date(now),
    activatesAt: new Date(activatesAt),
    retiredAt: null,
    publishUntil: null,
    revokedAt: null,
  };
}

export const signingKeyResource = z.object({
  kid: z.string(),
  alg: z.enum(['EdDSA', 'ES256']),
  status: z.enum(SIGNING_KEY_STATUSES),
  createdAt: z.iso.datetime(),
  activatesAt: z.iso.datetime().nullable(),
  retiredAt: z.iso.datetime().nullable(),
  publishUntil: z.iso.datetime().nullable(),
});
export type SigningKeyResource = z.infer<typeof signingKeyResource>;

export function toSigningKeyResource(key: SigningKeyRecord, now: number): SigningKeyResource {
  const status = signingKeyStatus(key, now);
  // A key revoked before it activated never becomes current.
  const neverActive = key.revokedAt !== null && key.revokedAt.getTime() < key.activatesAt.getTime();
  // retiredAt may lie ahead (a pending successor's activation): it is shown once it has happened.
  const stopped = key.revokedAt ? (key.retiredAt ?? key.revokedAt) : key.retiredAt && key.retiredAt.getTime() <= now ? key.retiredAt : null;
  return {
    kid: key.kid,
    alg: key.alg,
    status,
    createdAt: key.createdAt.toISOString(),
    activatesAt: neverActive ? null : key.activatesAt.toISOString(),
    retiredAt: stopped ? stopped.toISOString() : null,
    publishUntil: status === 'retired' && key.publishUntil ? key.publishUntil.toISOString() : null,
  };
}
