// Calls to the latchkey service (§3): one request, its JSON answer or a
// LatchkeyError carrying the contract's error code. A 429 (or a 503, which also
// says when to come back) is waited out once per operation, as Retry-After asks;
// the next one fails.
import { LatchkeyError } from './errors.js';

/** Shared by the requests of one getSession(), so Retry-After is honoured once in all. */
export interface RetryBudget {
  waited: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

export async function callService<T>(url: string, init: RequestInit, budget: RetryBudget): Promise<T> {
  for (;;) {
    let res: Response;
    try {
      // No cookies: the run API neither needs nor accepts credentials.
      res = await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
    } catch (cause) {
      throw new LatchkeyError('network_error', `latchkey could not be reached: ${String(cause)}`, { status: 0 });
    }
    const body = (await res.json().catch(() => undefined)) as
      | { error?: { code?: unknown; message?: unknown; reason?: unknown } }
      | undefined;
    if (res.ok && body) return body as T;
    const retryAfter = retryAfterSeconds(res.headers.get('Retry-After'));
    if ((res.status === 429 || res.status === 503) && retryAfter !== undefined && !budget.waited) {
      budget.waited = true;
      // A little jitter, so the tabs and pages refused together do not all come back in the same instant.
      await sleep(retryAfter * 1000 + Math.random() * 250);
      continue;
    }
    const error = body?.error;
    const code = typeof error?.code === 'string' ? error.code : 'bad_response';
    const message = typeof error?.message === 'string' ? error.message : `latchkey answered HTTP ${res.status}`;
    throw new LatchkeyError(code, message, {
      status: res.status,
      retryAfter,
      reason: typeof error?.reason === 'string' ? error.reason : undefined,
      requestId: res.headers.get('X-Request-Id') ?? undefined,
    });
  }
}
