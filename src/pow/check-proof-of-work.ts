// Step 5 of §3.2: a solution is present, valid for this app, unexpired and
// not spent before. Marking it spent is the last step, so a refused request
// never burns a good solution.
import type { Clock } from '../clock.js';
import type { PowConfig } from './challenge.js';
import type { SpentChallenges } from './spent-challenges.js';
import { verifyPowSolution } from './verify-solution.js';

export type PowCheck =
  | { ok: true }
  | { ok: false; code: 'pow_required' | 'pow_malformed' | 'pow_invalid' | 'pow_expired' | 'pow_replayed' };

export async function checkProofOfWork(
  deps: { pow: PowConfig; clock: Clock; spent: SpentChallenges },
  solutionHeader: string | undefined,
  appId: string,
): Promise<PowCheck> {
  if (solutionHeader === undefined || solutionHeader === '') return { ok: false, code: 'pow_required' };
  const verified = verifyPowSolution(deps.pow, deps.clock, solutionHeader, appId);
  if (!verified.ok) return verified;
  if (!(await deps.spent.spend(verified.challenge, verified.expiresAtSeconds))) return { ok: false, code: 'pow_replayed' };
  return { ok: true };
}
