// The service's JWKS (§3.5), fetched over HTTP and cached the way the service
// asks: until its Cache-Control max-age has passed (so a revoked signing key
// stops verifying within that time), and refetched for an unknown kid at most
// once per 30 s (a token naming a new key is not a way to make us hammer it).
//
// jose's createRemoteJWKSet does the fetching, key selection and the unknown-kid
// cooldown; it has a fixed cache age, so the max-age part is tracked here.
import { createRemoteJWKSet, customFetch, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose';

export const UNKNOWN_KID_COOLDOWN_MS = 30_000;
// When the JWKS answer names no max-age.
const DEFAULT_MAX_AGE_MS = 300_000;

export function maxAgeMs(cacheControl: string | null): number {
  if (cacheControl && /\bno-(store|cache)\b/i.test(cacheControl)) return 0;
  const match = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl ?? '');
  return match ? Number(match[1]) * 1000 : DEFAULT_MAX_AGE_MS;
}

export type RemoteJwks = ReturnType<typeof createRemoteJWKSet>;

export interface CachedJwks {
  /** jose's key getter, for jwtVerify; reloads first when max-age has passed. */
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<RemoteJwks>;
  /** The keys as last fetched. */
  keys(): ReturnType<RemoteJwks['jwks']>;
}

export function cachedRemoteJwks(url: URL): CachedJwks {
  let staleAt = 0;
  const remote = createRemoteJWKSet(url, {
    // Freshness is the service's max-age, tracked by staleAt.
    cacheMaxAge: Number.POSITIVE_INFINITY,
    cooldownDuration: UNKNOWN_KID_COOLDOWN_MS,
    [customFetch]: async (input: string, init: RequestInit) => {
      const response = await fetch(input, init);
      if (response.status === 200) staleAt = Date.now() + maxAgeMs(response.headers.get('cache-control'));
      return response;
    },
  });
  return {
    async getKey(header, token) {
      if (Date.now() >= staleAt) await remote.reload();
      return remote(header, token);
    },
    keys: () => remote.jwks(),
  };
}
