// Customer-signed JWTs built by hand, the way an attacker would: any header,
// any payload text (raw JSON included, e.g. a `__proto__` key that
// JSON.stringify would never emit), any signature bytes. jose's SignJWT is
// for the happy paths; it refuses most of what these tests need to send.
import { constants, createHmac, sign, type KeyObject } from 'node:crypto';
import type { Harness } from './harness.js';
import { ORIGIN } from './run-api.js';

export const b64url = (value: string | Uint8Array) =>
  (typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)).toString('base64url');

export const b64json = (value: unknown) => b64url(JSON.stringify(value));

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/**
 * Signs `input` as JWS algorithm `alg` would, with node:crypto. ECDSA values are
 * IEEE P1363 (r‖s), as JWS requires; `secret` is the HMAC key for HS*.
 */
export function signJws(alg: string, key: KeyObject | string | Buffer, input: string): Buffer {
  const data = Buffer.from(input, 'ascii');
  const hash = HASH[alg.slice(2)];
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, data, key as KeyObject);
  if (alg.startsWith('HS')) return createHmac(hash!, key as string | Buffer).update(data).digest();
  if (alg.startsWith('RS')) return sign(hash!, data, key as KeyObject);
  if (alg.startsWith('PS')) {
    return sign(hash!, data, {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  if (alg.startsWith('ES')) return sign(hash!, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  throw new Error(`signJws: no signer for ${alg}`);
}

export interface ForgeOptions {
  header: unknown;
  /** An object (JSON-encoded) or the exact payload text. */
  payload: unknown;
  /** Signing key; the header's `alg` picks the algorithm unless `signAlg` says otherwise. */
  key?: KeyObject | string | Buffer;
  signAlg?: string;
  /** Exact signature bytes (or segment text), instead of signing. */
  signature?: Uint8Array | string;
}

/** A compact JWS from a header, a payload and either a key or literal signature bytes. */
export function forge({ header, payload, key, signAlg, signature }: ForgeOptions): string {
  const input = `${b64json(header)}.${typeof payload === 'string' ? b64url(payload) : b64json(payload)}`;
  if (signature !== undefined) return `${input}.${typeof signature === 'string' ? signature : b64url(signature)}`;
  if (key === undefined) return `${input}.`;
  const alg = signAlg ?? (header as { alg: string }).alg;
  return `${input}.${b64url(signJws(alg, key, input))}`;
}

/** Claims that pass every §4.2 rule at `now`, with overrides (undefined deletes a claim). */
export function claimsAt(now: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: 'user-42', iat: now, exp: now + 3600, ...overrides };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/**
 * A token of exactly `length` characters, correctly signed, padded with an
 * `aud` claim (a registered claim, so it never counts towards verified claims).
 */
export function tokenOfLength(
  length: number,
  options: { alg: string; kid: string; key: KeyObject; now: number },
): string {
  for (let extra = 0; extra < 4; extra++) {
    const header = { alg: options.alg, kid: options.kid, ...(extra ? { x: 'x'.repeat(extra) } : {}) };
    for (let pad = Math.max(0, Math.floor(((length - 800) * 3) / 4)); pad < length; pad++) {
      const token = forge({ header, payload: claimsAt(options.now, { aud: 'a'.repeat(pad) }), key: options.key });
      if (token.length === length) return token;
      if (token.length > length) break;
    }
  }
  throw new Error(`tokenOfLength: cannot hit ${length}`);
}

/** POST /run/auth/apps/{appId}/session from the allowed origin with a bearer customer JWT. */
export function requestSession(
  h: Harness,
  appId: string,
  options: { token?: string; origin?: string | null; solution?: string } = {},
) {
  const req = h.http.post(`/run/auth/apps/${appId}/session`);
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  if (origin !== null) req.set('Origin', origin);
  if (options.token !== undefined) req.set('Authorization', `Bearer ${options.token}`);
  if (options.solution !== undefined) req.set('X-Challenge-Solution', options.solution);
  return req;
}
