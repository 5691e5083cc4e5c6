// A signing key as the API and the command line show it (contract §2.6):
// never its private half.
import type { SigningKeyRecord } from '../store/records.js';

export interface SigningKeyResource {
  kid: string;
  alg: SigningKeyRecord['alg'];
  status: 'pending' | 'current' | 'retired' | 'revoked';
  createdAt: string;
  activatesAt: string | null;
  retiredAt: string | null;
  publishUntil: string | null;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toSigningKeyResource(key: SigningKeyRecord, nowMs: number): SigningKeyResource {
  const status = key.revokedAt
    ? 'revoked'
    : key.activatesAt.getTime() > nowMs
      ? 'pending'
      : key.retiredAt && key.retiredAt.getTime() <= nowMs
        ? 'retired'
        : 'current';
  return {
    kid: key.kid,
    alg: key.alg,
    status,
    createdAt: key.createdAt.toISOString(),
    // A key revoked before it ever signed never becomes current.
    activatesAt: key.revokedAt && key.revokedAt <= key.activatesAt ? null : key.activatesAt.toISOString(),
    retiredAt: iso(key.retiredAt),
    publishUntil: status === 'retired' ? iso(key.publishUntil) : null,
  };
}
