// A signing key as the API and the command line show it (contract §2.6):
// never its private half. Until pre-published rotation exists, a key is
// current from its creation until it is retired.
import type { SigningKeyRecord } from '../store/records.js';

export interface SigningKeyResource {
  kid: string;
  alg: 'EdDSA';
  status: 'current' | 'retired';
  createdAt: string;
  activatesAt: string;
  retiredAt: string | null;
  publishUntil: string | null;
}

export function toSigningKeyResource(key: SigningKeyRecord): SigningKeyResource {
  return {
    kid: key.kid,
    alg: 'EdDSA',
    status: key.retiredAt ? 'retired' : 'current',
    createdAt: key.createdAt.toISOString(),
    activatesAt: key.createdAt.toISOString(),
    retiredAt: key.retiredAt?.toISOString() ?? null,
    publishUntil: key.publishUntil?.toISOString() ?? null,
  };
}
