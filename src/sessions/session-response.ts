import { toSeconds, type Clock } from '../clock.js';
import type { AppRecord } from '../store/records.js';
import type { Config } from '../config.js';
import type { Keyring } from '../signing/keyring.js';
import { signSessionToken } from '../signing/session-token.js';

export interface SessionResponse {
  token: string;
  expiresAt: string;
  userId: string;
}

export interface IssueDeps {
  config: Pick<Config, 'issuer' | 'anonSessionTtlSeconds'>;
  clock: Clock;
  keyring: Keyring;
}

/** Signs a session token for `sub` on `app` and shapes the response body. */
export function issueSession(
  deps: IssueDeps,
  app: AppRecord,
  session: { sub: string; exp: number; auth: 'anonymous' | 'authenticated'; claims?: Record<string, unknown> },
): SessionResponse {
  const token = signSessionToken(deps.keyring, {
    iss: deps.config.issuer,
    aud: app.id,
    sub: session.sub,
    iat: toSeconds(deps.clock.now()),
    exp: session.exp,
    tid: app.tenantId,
    pid: app.projectId,
    auth: session.auth,
    ...(session.claims ? { claims: session.claims } : {}),
  });
  return { token, expiresAt: new Date(session.exp * 1000).toISOString(), userId: session.sub };
}
