// Session tokens: JWTs with header {alg, kid, typ: "session+jwt"} (§4.3),
// alg EdDSA (Ed25519) or ES256 (P-256), whichever the signing key has.
// Signing uses node:crypto directly with a precomputed header segment: the
// service signs on every widget page load, and this is the whole of the work.
//
// Verification accepts only what this service produces: the header segment must
// be byte-for-byte one this service wrote for a kid it knows, so alg
// confusion, `none`, embedded keys and `crit` cannot arise; the signature is
// then checked with that key's own algorithm, and the claims by type.
import { randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '../store/records.js';
import type { Keyring } from './keyring.js';

export type AuthMethod = 'anonymous' | 'authenticated';

export interface SessionPayload {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  tid: string;
  pid: string;
  auth: AuthMethod;
  claims?: Record<string, unknown>;
}

const b64url = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

// JWS (RFC 7518 §3.4) wants ECDSA signatures as r || s, 64 bytes for P-256,
// not the DER node:crypto writes by default.
const signatureOptions = (alg: SigningAlgorithm, key: KeyObject) =>
  alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
const digest = (alg: SigningAlgorithm) => (alg === 'ES256' ? 'sha256' : null);

export function signSessionToken(keyring: Keyring, payload: Omit<SessionPayload, 'jti'>): string {
  const { alg, header, privateKey } = keyring.current;
  const body: SessionPayload = { ...payload, jti: randomUUID() };
  const signingInput = `${header}.${b64url(JSON.stringify(body))}`;
  return `${signingInput}.${sign(digest(alg), Buffer.from(signingInput), signatureOptions(alg, privateKey)).toString('base64url')}`;
}

/**
 * `revoked`: a token this service really issued, still unexpired, whose
 * signing key has been revoked (§2.6) — introspection answers it with
 * reason `revoked`. Every other failure carries no reason.
 */
export type SessionVerification = { ok: true; payload: SessionPayload } | { ok: false; reason?: 'revoked' };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_SESSION_TOKEN = 8 * 1024;

function isSessionPayload(value: unknown): value is SessionPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.iss === 'string' &&
    typeof p.aud === 'string' &&
    typeof p.sub === 'string' &&
    typeof p.tid === 'string' &&
    typeof p.pid === 'string' &&
    typeof p.jti === 'string' &&
    Number.isFinite(p.iat) &&
    Number.isFinite(p.exp) &&
    (p.auth === 'anonymous' || p.auth === 'authenticated') &&
    (p.claims === undefined || (typeof p.claims === 'object' && p.claims !== null && !Array.isArray(p.claims)))
  );
}

/**
 * Verifies a session token this service issued, for `appId`, unexpired at
 * `nowSeconds`. Anything else — another issuer's or app's token, a customer
 * JWT, a tampered or expired one, garbage — is `{ ok: false }`.
 */
export async function verifySessionToken(
  keyring: Keyring,
  token: string,
  expected: { issuer: string; appId: string; nowSeconds: number },
): Promise<SessionVerification> {
  if (token.length > MAX_SESSION_TOKEN) return { ok: false };
  const [header, payload, signature, extra] = token.split('.');
  if (extra !== undefined || !header || !payload || !signature) return { ok: false };
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) return { ok: false };
  const key = keyring.verificationKey(header) ?? (await keyring.freshVerificationKey(header));
  if (!key) return { ok: false };
  const signingInput = token.slice(0, header.length + 1 + payload.length);
  if (!verify(digest(key.alg), Buffer.from(signingInput), signatureOptions(key.alg, key.key), Buffer.from(signature, 'base64url'))) {
    return { ok: false };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false };
  }
  if (!isSessionPayload(claims)) return { ok: false };
  if (claims.iss !== expected.issuer || claims.aud !== expected.appId) return { ok: false };
  if (claims.exp <= expected.nowSeconds) return { ok: false };
  // Checked last, so only a genuine, live token learns that its key was revoked.
  if (key.revoked) return { ok: false, reason: 'revoked' };
  return { ok: true, payload: claims };
}
