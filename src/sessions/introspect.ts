// Introspection for backends (§3.4): is this a live session token of this
// service for this app, and who is it?
import type { RevocationCache } from '../cache/revocation-cache.js';
import { toSeconds, type Clock } from '../clock.js';
import { isRevoked } from '../revocations/is-revoked.js';
import type { AppRecord } from '../store/records.js';
import type { Keyring } from '../signing/keyring.js';
import { verifySessionToken, type AuthMethod } from '../signing/session-token.js';
import { enabledApp } from './admission.js';
import type { SessionDeps } from './deps.js';
import { refuse, type Outcome } from './outcome.js';

export interface Introspection {
  userId: string;
  authMethod: AuthMethod;
  appId: string;
  tenantId: string;
  projectId: string;
  defaultAgentId: string | null;
  prompt: string | null;
  verifiedClaims: Record<string, unknown>;
  expiresAt: string;
  /** The token's jti, so a backend can revoke exactly this session (§2.5). */
  sessionId: string;
}

export type IntrospectionResult =
  | { ok: true; session: Introspection }
  | { ok: false; code: 'invalid_token' | 'anonymous_disabled'; reason?: 'revoked' };

export async function introspect(
  deps: { keyring: Keyring; clock: Clock; issuer: string; revocations: RevocationCache },
  app: AppRecord,
  token: string | undefined,
): Promise<IntrospectionResult> {
  if (!token) return { ok: false, code: 'invalid_token' };
  const verified = await verifySessionToken(deps.keyring, token, {
    issuer: deps.issuer,
    appId: app.id,
    nowSeconds: toSeconds(deps.clock.now()),
  });
  // A genuine token of a revoked signing key is refused as revoked (§4.4); anything else has no reason.
  if (!verified.ok) return verified.reason ? { ok: false, code: 'invalid_token', reason: verified.reason } : { ok: false, code: 'invalid_token' };
  const p = verified.payload;
  // Tokens carry their tenant and project; an app moved or recreated elsewhere does not inherit them.
  if (p.tid !== app.tenantId || p.pid !== app.projectId) return { ok: false, code: 'invalid_token' };
  if (isRevoked(await deps.revocations.forApp(app.id), p)) return { ok: false, code: 'invalid_token', reason: 'revoked' };
  if (p.auth === 'anonymous' && !app.allowAnonymous) return { ok: false, code: 'anonymous_disabled' };
  return {
    ok: true,
    session: {
      userId: p.sub,
      authMethod: p.auth,
      appId: app.id,
      tenantId: app.tenantId,
      projectId: app.projectId,
      defaultAgentId: app.defaultAgentId,
      prompt: app.prompt,
      verifiedClaims: p.claims ?? {},
      expiresAt: new Date(p.exp * 1000).toISOString(),
      sessionId: p.jti,
    },
  };
}

/** GET /run/auth/apps/{appId}/session: the app first (404), then the token (401). */
export async function introspectSession(
  deps: SessionDeps,
  appId: string,
  bearer: string | undefined,
): Promise<Outcome<Introspection>> {
  const app = await enabledApp(deps, appId);
  if (!app) return refuse('app_not_found');
  const result = await introspect(
    { keyring: deps.keyring, clock: deps.clock, issuer: deps.config.issuer, revocations: deps.revocations },
    app.row,
    bearer,
  );
  if (result.ok) return { ok: true, value: result.session };
  return refuse(result.code, result.reason ? { reason: result.reason } : {});
}
