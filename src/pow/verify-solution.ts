// Checks a proof-of-work solution header (§3.2 step 5) against the altcha v1
// format. This is altcha's verifySolution, done with node:crypto for reasons
// that matter on this path: the algorithm is pinned to SHA-256 (altcha would
// accept the client's choice, SHA-1 included), signatures are compared in
// constant time, the HMAC key is not re-imported per request, and expiry is
// read from the injected clock and told apart from a bad signature.
// `test/pow/verify-solution.test.ts` cross-checks it against altcha-lib.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { PowConfig } from './challenge.js';

export const MAX_SOLUTION_BYTES = 4096;

const solutionShape = z.object({
  algorithm: z.string(),
  challenge: z.string().max(256),
  number: z.number().int().nonnegative(),
  salt: z.string().max(1024),
  signature: z.string().max(256),
});

export type PowVerification =
  | { ok: true; challenge: string; expiresAtSeconds: number }
  | { ok: false; code: 'pow_malformed' | 'pow_invalid' | 'pow_expired' };

function hexEquals(a: string, expected: Buffer): boolean {
  const given = Buffer.from(a, 'hex');
  // Buffer.from drops invalid hex, so compare lengths on the decoded bytes.
  return given.length === expected.length && a.length === expected.length * 2 && timingSafeEqual(given, expected);
}

export function verifyPowSolution(pow: PowConfig, clock: Clock, header: string, appId: string): PowVerification {
  if (header.length > MAX_SOLUTION_BYTES) return { ok: false, code: 'pow_malformed' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return { ok: false, code: 'pow_malformed' };
  }
  const parsed = solutionShape.safeParse(decoded);
  if (!parsed.success) return { ok: false, code: 'pow_malformed' };
  const solution = parsed.data;
  if (solution.algorithm !== 'SHA-256') return { ok: false, code: 'pow_invalid' };

  const expectedChallenge = createHash('sha256').update(solution.salt + solution.number).digest();
  if (!hexEquals(solution.challenge, expectedChallenge)) return { ok: false, code: 'pow_invalid' };
  const expectedSignature = createHmac('sha256', pow.hmacSecret).update(solution.challenge).digest();
  if (!hexEquals(solution.signature, expectedSignature)) return { ok: false, code: 'pow_invalid' };

  // From here the salt is authentic: its parameters were written by this service.
  const params = new URLSearchParams(solution.salt.split('?')[1] ?? '');
  const expires = Number(params.get('expires'));
  // Every challenge this service signs carries an expiry; one without is not ours to honour.
  if (!Number.isSafeInteger(expires) || expires <= 0) return { ok: false, code: 'pow_invalid' };
  const boundApp = params.get('appId');
  if (boundApp !== null && boundApp !== appId) return { ok: false, code: 'pow_invalid' };
  if (expires * 1000 <= clock.now()) return { ok: false, code: 'pow_expired' };
  return { ok: true, challenge: solution.challenge, expiresAtSeconds: expires };
}
