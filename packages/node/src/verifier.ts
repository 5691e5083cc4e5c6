// Offline verification of latchkey session tokens (contract §4.3, §6): the
// signature against the service's JWKS, with the algorithm the key itself
// names (never what the token's header would like), then typ, iss, aud, exp.
import { errors, jwtVerify, type JWSHeaderParameters } from 'jose';
import { LatchkeyVerifyError } from './errors.js';
import { cachedRemoteJwks } from './remote-jwks.js';

export interface VerifierOptions {
  /** The service's ISSUER (`latchkey` unless configured). */
  issuer: string;
  /** e.g. `https://auth.example.com/.well-known/jwks.json` */
  jwksUrl: string | URL;
  /** The app id, or several, whose tokens this backend accepts. */
  audience: string | string[];
}

export interface VerifiedSession {
  userId: string;
  authMethod: 'anonymous' | 'authenticated';
  appId: string;
  tenantId: string;
  projectId: string;
  /** The customer's verified claims (authenticated sessions); `{}` when none. */
  claims: Record<string, unknown>;
  /** ISO time. */
  expiresAt: string;
  /** The token's jti: what to name to revoke this one session (§2.5). */
  sessionId: string;
}

export interface Verifier {
  verify(token: string): Promise<VerifiedSession>;
}

// What the service signs with (§4.3). Narrowing here refuses `none`, HS* and
// the rest before any key is looked at.
const SESSION_ALGORITHMS = ['EdDSA', 'ES256'];

function claimError(error: errors.JWTClaimValidationFailed): LatchkeyVerifyError {
  const byClaim: Record<string, LatchkeyVerifyError['code']> = { iss: 'wrong_issuer', aud: 'wrong_audience', typ: 'wrong_type' };
  const code = error.reason === 'missing' ? 'malformed' : (byClaim[error.claim] ?? 'malformed');
  return new LatchkeyVerifyError(code, error.message, { cause: error });
}

function toVerifyError(error: unknown): LatchkeyVerifyError {
  if (error instanceof LatchkeyVerifyError) return error;
  if (error instanceof errors.JWTExpired) return new LatchkeyVerifyError('expired', 'The session token has expired.', { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error);
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return new LatchkeyVerifyError('invalid_signature', 'The session token signature is not valid.', { cause: error });
  }
  return new LatchkeyVerifyError('malformed', 'The session token is not a well-formed session token.', { cause: error });
}

export function createVerifier(options: VerifierOptions): Verifier {
  if (!options.issuer) throw new TypeError('createVerifier: issuer is required');
  const audience = Array.isArray(options.audience) ? [...options.audience] : [options.audience];
  if (audience.length === 0 || audience.some((aud) => typeof aud !== 'string' || !aud)) {
    throw new TypeError('createVerifier: audience must be an app id or a non-empty list of them');
  }
  const jwks = cachedRemoteJwks(new URL(options.jwksUrl));

  async function getKey(header: JWSHeaderParameters, token: Parameters<typeof jwks.getKey>[1]) {
    if (typeof header.kid !== 'string') throw new LatchkeyVerifyError('malformed', 'The session token names no key (kid).');
    try {
      return await jwks.getKey(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        // The key is published but under another algorithm: the header lies about how it was signed.
        const published = jwks.keys()?.keys.some((jwk) => jwk.kid === header.kid);
        if (published) throw new LatchkeyVerifyError('invalid_signature', 'The token’s algorithm is not its key’s.');
        throw new LatchkeyVerifyError('unknown_key', 'The session token was signed by a key the service does not publish.');
      }
      if (error instanceof errors.JOSENotSupported) throw new LatchkeyVerifyError('invalid_signature', error.message);
      // Anything else happened while fetching the JWKS: timeout, refused, not 200, not JSON.
      throw new LatchkeyVerifyError('jwks_unavailable', 'The service’s JWKS could not be fetched.', { cause: error });
    }
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 16_384) {
        throw new LatchkeyVerifyError('malformed', 'The session token is missing or too long.');
      }
      try {
        const { payload } = await jwtVerify(token, getKey, {
          issuer: options.issuer,
          audience,
          typ: 'session+jwt',
          algorithms: SESSION_ALGORITHMS,
          requiredClaims: ['exp', 'sub', 'jti'],
        });
        const { sub, auth, aud, tid, pid, jti, exp, claims } = payload as Record<string, unknown>;
        const appId = Array.isArray(aud) ? aud.find((value) => audience.includes(value)) : aud;
        if (
          typeof sub !== 'string' ||
          (auth !== 'anonymous' && auth !== 'authenticated') ||
          typeof appId !== 'string' ||
          typeof tid !== 'string' ||
          typeof pid !== 'string' ||
          typeof jti !== 'string' ||
          typeof exp !== 'number' ||
          (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims)))
        ) {
          throw new LatchkeyVerifyError('malformed', 'The token is signed but is not a latchkey session token.');
        }
        return {
          userId: sub,
          authMethod: auth,
          appId,
          tenantId: tid,
          projectId: pid,
          claims: { ...(claims as Record<string, unknown> | undefined) },
          expiresAt: new Date(exp * 1000).toISOString(),
          sessionId: jti,
        };
      } catch (error) {
        throw toVerifyError(error);
      }
    },
  };
}
