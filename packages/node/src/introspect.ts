// Online check of a session token (§3.4): the service answers with the
// session as it stands now, so a revoked token is refused here even though it
// still verifies offline.
import { LatchkeyIntrospectError } from './errors.js';

export interface IntrospectOptions {
  baseUrl: string;
  appId: string;
  token: string;
  /** Default 5000. */
  timeoutMs?: number;
}

export interface IntrospectedSession {
  userId: string;
  authMethod: 'anonymous' | 'authenticated';
  appId: string;
  tenantId: string;
  projectId: string;
  defaultAgentId: string | null;
  prompt: string | null;
  verifiedClaims: Record<string, unknown>;
  expiresAt: string;
  sessionId: string;
}

export async function introspect(options: IntrospectOptions): Promise<IntrospectedSession> {
  const base = options.baseUrl.replace(/\/+$/, '');
  const url = `${base}/run/auth/apps/${encodeURIComponent(options.appId)}/session`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (cause) {
    throw new LatchkeyIntrospectError('network_error', `latchkey could not be reached: ${String(cause)}`, 0);
  }
  const body = (await res.json().catch(() => undefined)) as
    | (IntrospectedSession & { error?: { code?: unknown; message?: unknown; reason?: unknown } })
    | undefined;
  if (res.ok && body) return body;
  const error = body?.error;
  throw new LatchkeyIntrospectError(
    typeof error?.code === 'string' ? error.code : 'bad_response',
    typeof error?.message === 'string' ? error.message : `latchkey answered HTTP ${res.status}`,
    res.status,
    typeof error?.reason === 'string' ? error.reason : undefined,
  );
}
