// Developer command: fetch a proof-of-work challenge, solve it the way a
// widget does (altcha-lib/v1 solveChallenge) and print the value for the
// X-Challenge-Solution header.
//
//   npx tsx scripts/solve-pow.ts [appId] [--url http://localhost:3000]
import { solveChallenge } from 'altcha-lib/v1';
import type { PowChallenge } from '../src/pow/challenge.js';

const args = process.argv.slice(2);
const urlAt = args.indexOf('--url');
const base = urlAt >= 0 ? args[urlAt + 1]! : (process.env.LATCHKEY_URL ?? 'http://localhost:3000');
const appId = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--url');

const query = appId ? `?appId=${encodeURIComponent(appId)}` : '';
const response = await fetch(`${base}/run/auth/pow/challenge${query}`);
const challenge = (await response.json()) as PowChallenge;
if (!response.ok) {
  console.error(`challenge request failed: ${response.status} ${JSON.stringify(challenge)}`);
  process.exit(1);
}
const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
if (!solution) {
  console.error('no solution found within maxnumber');
  process.exit(1);
}
const { algorithm, challenge: hash, salt, signature } = challenge;
const payload = { algorithm, challenge: hash, number: solution.number, salt, signature };
process.stdout.write(`${Buffer.from(JSON.stringify(payload)).toString('base64')}\n`);
