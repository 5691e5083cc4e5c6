// Helpers for tests of the Run API (§3): a widget's view of latchkey —
// fetching and solving a proof-of-work challenge, asking for a session, and
// checking a token the way a widget's backend would, through JWKS.
import { solveChallenge } from 'altcha-lib/v1';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Harness } from './harness.js';

export const ORIGIN = 'https://docs.example.com';

/** Base64 of the altcha solution JSON, as the widget sends it in X-Challenge-Solution. */
export function encodeSolution(solution: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(solution), 'utf8').toString('base64');
}

export type SolvedChallenge = {
  algorithm: string;
  challenge: string;
  number: number;
  salt: string;
  signature: string;
};

/** Solves an altcha v1 challenge by brute force, as the widget does. */
export async function solve(challenge: {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxnumber?: number;
}): Promise<SolvedChallenge> {
  const solution = await solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxnumber ?? 1_000_000,
  ).promise;
  if (!solution) throw new Error('challenge not solved');
  const { algorithm, salt, signature } = challenge;
  return { algorithm, challenge: challenge.challenge, number: solution.number, salt, signature };
}

/** GET /run/auth/pow/challenge[?appId], solve it, and return the solution header value. */
export async function fetchSolution(h: Harness, appId?: string): Promise<string> {
  const res = await h.http.get('/run/auth/pow/challenge').query(appId ? { appId } : {});
  if (res.status !== 200) throw new Error(`challenge failed: ${res.status} ${JSON.stringify(res.body)}`);
  return encodeSolution(await solve(res.body));
}

/** POST /run/auth/apps/{appId}/anonymous-session from the allowed origin, with optional bearer and solution. */
export function requestAnonymousSession(
  h: Harness,
  appId: string,
  options: { origin?: string | null; bearer?: string; solution?: string; solutionHeader?: string } = {},
) {
  const req = h.http.post(`/run/auth/apps/${appId}/anonymous-session`);
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  if (origin !== null) req.set('Origin', origin);
  if (options.bearer !== undefined) req.set('Authorization', `Bearer ${options.bearer}`);
  if (options.solution !== undefined) req.set(options.solutionHeader ?? 'X-Challenge-Solution', options.solution);
  return req;
}

/** An anonymous session token for the app, or a thrown error naming why not. */
export async function anonymousToken(h: Harness, appId: string, bearer?: string) {
  const solution = h.config.pow ? await fetchSolution(h, appId) : undefined;
  const res = await requestAnonymousSession(h, appId, { bearer, solution });
  if (res.status !== 200) throw new Error(`anonymous session failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { token: string; expiresAt: string; userId: string };
}

/** Verifies a session token as a widget's backend would: jose against the published JWKS. */
export async function verifyWithJwks(h: Harness, token: string, appId: string) {
  const jwks = await h.http.get('/.well-known/jwks.json');
  return jwtVerify<JWTPayload & Record<string, unknown>>(token, createLocalJWKSet(jwks.body), {
    issuer: h.config.issuer,
    audience: appId,
    typ: 'session+jwt',
    algorithms: ['EdDSA', 'ES256'],
    currentDate: new Date(h.clock.now()),
  });
}

export const ANON_USER_ID = /^anon_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
