// createLatchkey (§6): a widget's session, obtained from latchkey once and
// reused until a minute before it expires.
import { solveProofOfWork } from './proof-of-work.js';
import { callService, type RetryBudget } from './service.js';
import { createSessionStore, usable, type Session, type SessionStorageLike, type StoredState } from './session-store.js';
import { LatchkeyError } from './errors.js';

export interface LatchkeyOptions {
  /** Where latchkey is served, e.g. `https://auth.example.com`. */
  baseUrl: string;
  appId: string;
  /**
   * The customer-signed JWT of the page's signed-in user, from the customer's
   * own backend; null or undefined when nobody is signed in (anonymous session).
   */
  getCustomerToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Defaults to localStorage (in-memory when that is unavailable). */
  storage?: SessionStorageLike;
}

export interface Latchkey {
  getSession(): Promise<Session>;
  getToken(): Promise<string>;
  /** `fetch` with `Authorization: Bearer <session token>`; on a 401, one retry with a new session. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  signOut(): void;
  /** Reports each session newly obtained from latchkey, by this tab or another. Returns an unsubscribe function. */
  onSession(listener: (session: Session) => void): () => void;
}

// How long a tab that waited for another tab's request waits for its session to show in storage.
const OTHER_TAB_WRITE_MS = 500;

interface IssuedSession {
  token: string;
  userId: string;
  expiresAt: string;
  authMethod?: 'anonymous' | 'authenticated';
  fallbackReason?: string;
}

export function createLatchkey(options: LatchkeyOptions): Latchkey {
  const baseUrl = String(options.baseUrl).replace(/\/+$/, '');
  const appId = options.appId;
  if (!/^https?:\/\//.test(baseUrl)) throw new TypeError('createLatchkey: baseUrl must be an http(s) URL');
  if (!appId) throw new TypeError('createLatchkey: appId is required');
  const appUrl = `${baseUrl}/run/auth/apps/${encodeURIComponent(appId)}`;
  const store = createSessionStore(`latchkey:${baseUrl}:${appId}`, options.storage);
  const listeners = new Set<(session: Session) => void>();
  let unwatch: (() => void) | undefined;
  let pending: Promise<Session> | undefined;
  // Bumped by signOut(), so a session that was on its way is not stored after it.
  let generation = 0;

  /** POST one session-issuing request; solves a challenge first, or when the service asks (400 pow_required). */
  async function issue(path: string, bearer: string | undefined, budget: RetryBudget, solveFirst: boolean) {
    let solution = solveFirst ? await solveProofOfWork(baseUrl, appId, budget) : undefined;
    for (let attempt = 0; ; attempt += 1) {
      const headers: Record<string, string> = {};
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      if (solution) headers['X-Challenge-Solution'] = solution;
      try {
        return await callService<IssuedSession>(`${appUrl}/${path}`, { method: 'POST', headers }, budget);
      } catch (error) {
        // pow_expired: the solve outlived the challenge (a laptop asleep, say); one fresh challenge.
        const code = error instanceof LatchkeyError ? error.code : '';
        if (attempt > 0 || (code !== 'pow_required' && code !== 'pow_expired')) throw error;
        store.write({ ...store.read(), pow: true });
        solution = await solveProofOfWork(baseUrl, appId, budget);
      }
    }
  }

  async function newSession(previous: Session | undefined, pow: boolean): Promise<Session> {
    const budget: RetryBudget = { waited: false };
    const customerToken = options.getCustomerToken ? await options.getCustomerToken() : undefined;
    const issued = customerToken
      ? await issue('session', customerToken, budget, false)
      : // Refreshing with the anonymous token keeps the visitor's identity (§3.2).
        await issue('anonymous-session', previous?.authMethod === 'anonymous' ? previous.token : undefined, budget, pow);
    const session: Session = {
      token: issued.token,
      userId: issued.userId,
      authMethod: issued.authMethod ?? 'anonymous',
      expiresAt: issued.expiresAt,
    };
    if (issued.fallbackReason !== undefined) session.fallbackReason = issued.fallbackReason;
    return session;
  }

  /** A new session, unless the stored one is usable and is not `stale`. One at a time, across tabs too. */
  function obtain(stale?: string): Promise<Session> {
    const reusable = (state: StoredState): state is StoredState & { session: Session } =>
      usable(state.session) && state.session.token !== stale;
    pending ??= store
      .exclusive(async (waitedForAnotherTab) => {
        let stored = store.read();
        // Another tab got one while this one waited for the lock: it may take a moment to arrive.
        if (waitedForAnotherTab && !reusable(stored)) {
          await store.settled(OTHER_TAB_WRITE_MS);
          stored = store.read();
        }
        if (reusable(stored)) return stored.session;
        const started = generation;
        const session = await newSession(stored.session, stored.pow === true);
        if (started === generation) store.write({ ...store.read(), session });
        emit(session);
        return session;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  function emit(session: Session): void {
    for (const listener of listeners) {
      try {
        listener(session);
      } catch (error) {
        // A widget's listener failing must not fail the session it is told about.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  function getSession(): Promise<Session> {
    const { session } = store.read();
    return usable(session) ? Promise.resolve(session) : obtain();
  }

  function withBearer(request: Request, token: string): Request {
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Bearer ${token}`);
    return new Request(request, { headers });
  }

  return {
    getSession,
    getToken: async () => (await getSession()).token,
    async fetch(input, init) {
      const request = new Request(input, init);
      const session = await getSession();
      const first = await fetch(withBearer(request.clone(), session.token));
      if (first.status !== 401) return first;
      await first.body?.cancel();
      // The backend refused this token (revoked, signed by a revoked key, …): one new session, one retry.
      const renewed = await obtain(session.token);
      return fetch(withBearer(request, renewed.token));
    },
    signOut() {
      generation += 1;
      const { pow } = store.read();
      store.write({ pow });
    },
    onSession(listener) {
      listeners.add(listener);
      unwatch ??= store.watch(emit);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          unwatch?.();
          unwatch = undefined;
        }
      };
    },
  };
}
