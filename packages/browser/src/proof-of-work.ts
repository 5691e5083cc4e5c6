// Proof of work (§3.1), paid only when the service asks for it: the challenge
// is fetched, then solved by the solver chunk (Web Workers), which is loaded
// on first use so pages whose service has no proof of work never download it.
import { LatchkeyError } from './errors.js';
import { callService, type RetryBudget } from './service.js';
import type { Challenge } from './pow-solver.js';

/** The X-Challenge-Solution header value, or undefined when the service has proof of work off. */
export async function solveProofOfWork(baseUrl: string, appId: string, budget: RetryBudget): Promise<string | undefined> {
  const url = `${baseUrl}/run/auth/pow/challenge?appId=${encodeURIComponent(appId)}`;
  const [challenge, solver] = await Promise.all([
    callService<Challenge>(url, {}, budget).catch((error: unknown) => {
      if (error instanceof LatchkeyError && error.code === 'pow_disabled') return undefined;
      throw error;
    }),
    import('./pow-solver.js'),
  ]);
  if (!challenge) return undefined;
  let number: number | null;
  try {
    number = await solver.solve(challenge);
  } catch (cause) {
    throw new LatchkeyError('pow_failed', `The proof-of-work challenge could not be solved: ${String(cause)}`, { status: 0 });
  }
  if (number === null) throw new LatchkeyError('pow_failed', 'The proof-of-work challenge has no solution.', { status: 0 });
  const { algorithm, salt, signature } = challenge;
  // §3.1: base64 of the altcha v1 solution JSON (all ASCII, so btoa is exact).
  return btoa(JSON.stringify({ algorithm, challenge: challenge.challenge, number, salt, signature }));
}
