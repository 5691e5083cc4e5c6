// Verifies a customer-signed JWT (§4.2). Verification is the authorization:
// whoever passes it becomes `sub` with these claims. So the checks run in the
// contract's order, each failure is a value with a stable reason, and nothing
// about the key is taken from the token: the kid selects one key of this app
// (no trying every key), the key's registered algorithm is the only one jose
// is allowed to use, and embedded `jwk`/`jku`/`x5u`/`x5c` headers are never
// consulted, so no outbound request can ever be made.
import { compactVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import type { CustomerKey } from '../cache/app-cache.js';

export const MAX_CUSTOMER_JWT_BYTES = 8 * 1024;
export const MAX_CLAIMS_BYTES = 1024;
export const MAX_IAT_SKEW_SECONDS = 60;
export const MAX_LIFETIME_SECONDS = 86_400;
export const MAX_SUB_LENGTH = 255;

// Claims the service interprets itself; everything else is passed on as verified claims.
const REGISTERED_CLAIMS = new Set(['sub', 'iat', 'exp', 'aud', 'iss', 'jti', 'nbf']);
// Keys that would reach an object's prototype if a consumer merged the claims naively.
const FORBIDDEN_CLAIMS = ['__proto__', 'constructor', 'prototype'];
const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;
// Stateless for whole-buffer decode() calls, so one instance serves every request.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export type RejectReason =
  | 'malformed'
  | 'kid_missing'
  | 'kid_unknown'
  | 'alg_mismatch'
  | 'signature_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'iat_out_of_range'
  | 'lifetime_too_long'
  | 'sub_invalid'
  | 'forbidden_claim'
  | 'claims_too_large';

export interface VerifiedCustomerJwt {
  sub: string;
  exp: number;
  claims: Record<string, unknown>;
  /** Registered claims as sent, any type: the app's policy (step 9) judges them. */
  aud: unknown;
  iss: unknown;
  jti: unknown;
}

export type CustomerJwtResult = { ok: true; value: VerifiedCustomerJwt } | { ok: false; reason: RejectReason };

const reject = (reason: RejectReason): CustomerJwtResult => ({ ok: false, reason });
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export async function verifyCustomerJwt(
  token: string,
  keyFor: (kid: string) => CustomerKey | undefined,
  nowSeconds: number,
): Promise<CustomerJwtResult> {
  // 1. Size before any parsing, then shape.
  if (token.length > MAX_CUSTOMER_JWT_BYTES) return reject('malformed');
  const segments = token.split('.');
  if (segments.length !== 3 || !segments[0] || !segments[1] || !segments.every((s) => BASE64URL_SEGMENT.test(s))) {
    return reject('malformed');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return reject('malformed');
  }

  // 2. The kid names one key of this app, looked up in a Map by (app, kid).
  if (typeof header.kid !== 'string' || header.kid === '') return reject('kid_missing');
  const key = keyFor(header.kid);
  if (!key) return reject('kid_unknown');

  // 3. The algorithm is the one registered with the key, compared exactly:
  // `none`, HS* (public key as HMAC secret), PS*, a sibling size, "Ed25519".
  if (header.alg !== key.algorithm) return reject('alg_mismatch');
  // latchkey understands no JWS extension, so any `crit` (b64:false included) is refused.
  if (header.crit !== undefined) return reject('malformed');

  // 4. Signature, with jose pinned to that one algorithm.
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(token, key.key, { algorithms: [key.algorithm] }));
  } catch (error) {
    // JWSInvalid here means a segment jose could not decode; anything else
    // (a bad signature, a DER-encoded or zero ECDSA value, a TypeError or a
    // DOMException from WebCrypto) is a signature that did not verify.
    return reject(error instanceof joseErrors.JWSInvalid ? 'malformed' : 'signature_invalid');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(UTF8.decode(payloadBytes));
  } catch {
    return reject('malformed');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return reject('malformed');
  const claims = payload as Record<string, unknown>;

  // 5. exp required and in the future; nbf, if present, not in the future.
  if (!isNumber(claims.exp) || claims.exp <= nowSeconds) return reject('expired');
  if (claims.nbf !== undefined && (!isNumber(claims.nbf) || claims.nbf > nowSeconds)) return reject('not_yet_valid');

  // 6. iat near the server clock, and a bounded lifetime: a leaked token
  // minted for a year is refused rather than honoured for a year.
  if (!isNumber(claims.iat) || Math.abs(nowSeconds - claims.iat) > MAX_IAT_SKEW_SECONDS) {
    return reject('iat_out_of_range');
  }
  if (claims.exp - claims.iat > MAX_LIFETIME_SECONDS) return reject('lifetime_too_long');

  // 7. sub: the customer's user id. `anon_` is latchkey's own namespace.
  const { sub } = claims;
  if (typeof sub !== 'string' || sub === '' || [...sub].length > MAX_SUB_LENGTH || sub.startsWith('anon_')) {
    return reject('sub_invalid');
  }

  // 8. Verified claims: the rest, refused if they could pollute a prototype, capped at 1 KiB.
  if (FORBIDDEN_CLAIMS.some((name) => Object.hasOwn(claims, name))) return reject('forbidden_claim');
  const verified: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) if (!REGISTERED_CLAIMS.has(name)) verified[name] = value;
  if (Buffer.byteLength(JSON.stringify(verified), 'utf8') > MAX_CLAIMS_BYTES) return reject('claims_too_large');

  return { ok: true, value: { sub, exp: claims.exp, claims: verified, aud: claims.aud, iss: claims.iss, jti: claims.jti } };
}
