// Introspection for backends (§3.4): is this a live session token of this
// service for this app, and who is it?
import { toSeconds, type Clock } from '../clock.js';
import type { AppRow } from '../apps/app-store.js';
import type { Keyring } from '../signing/keyring.js';
import { verifySessionToken, type AuthMethod } from '../signing/session-token.js';

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
}

export type IntrospectionResult =
  | { ok: true; session: Introspection }
  | { ok: false; code: 'invalid_token' | 'anonymous_disabled' };

export function introspect(
  deps: { keyring: Keyring; clock: Clock; issuer: string },
  app: AppRow,
  token: string | undefined,
): IntrospectionResult {
  if (!token) return { ok: false, code: 'invalid_token' };
  const verified = verifySessionToken(deps.keyring, token, {
    issuer: deps.issuer,
    appId: app.id,
    nowSeconds: toSeconds(deps.clock.now()),
  });
  if (!verified.ok) return { ok: false, code: 'invalid_token' };
  const p = verified.payload;
  // Tokens carry their tenant and project; an app moved or recreated elsewhere does not inherit them.
  if (p.tid !== app.tenantId || p.pid !== app.projectId) return { ok: false, code: 'invalid_token' };
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
    },
  };
}
