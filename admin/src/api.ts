// The console's only way out: same-origin calls to /manage with the key from
// sessionStorage. A refusal becomes an ApiError carrying the API's own code
// and message, which the screens show next to the control that caused it.
import { storedKey } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path?: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export interface CallOptions {
  body?: unknown;
  /** A key to try instead of the stored one (sign-in, before it is kept). */
  key?: string;
}

export async function api<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const key = options.key ?? storedKey() ?? '';
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/manage${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      // Same origin only, never a cookie, never cached: every screen shows what the API says now.
      credentials: 'omit',
      cache: 'no-store',
      mode: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The service could not be reached.');
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: ApiError['details'] } } | null;
  if (!res.ok) {
    const error = body?.error;
    throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The service answered ${res.status}.`, error?.details ?? []);
  }
  return body as T;
}

/** Path segment, escaped: ids come from the API or the admin, never trusted as URL syntax. */
export const seg = encodeURIComponent;

export const appsPath = (tenantId: string, projectId: string) => `/tenants/${seg(tenantId)}/projects/${seg(projectId)}/apps`;

export interface App {
  id: string;
  tenantId: string;
  projectId: string;
  name: string;
  description: string | null;
  type: string;
  defaultAgentId: string | null;
  prompt: string | null;
  enabled: boolean;
  config: {
    type: string;
    webClient: {
      allowedDomains: string[];
      allowAnonymous: boolean;
      customerJwt: { audience?: string; issuer?: string; singleUse?: boolean };
    };
  };
  createdAt: string;
  updatedAt: string;
}
