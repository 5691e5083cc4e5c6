// Load generator for the benchmark, run as its own process so it does not
// share an event loop with the server it measures. Reads a job as JSON from
// argv[2], drives the target with autocannon and prints one JSON result line.
import autocannon from 'autocannon';
import { createChallenge } from 'altcha-lib/v1';

export interface LoadJob {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  connections: number;
  duration: number;
  /** Stop after this many requests instead of after `duration`. */
  amount?: number;
  /** The answers that count as served: 2xx (default), or 4xx for a scenario of refusals. */
  expect?: '2xx' | '4xx';
  /** For the proof-of-work scenario: fresh solved challenges, each sent once. */
  pow?: { secret: string; appId: string; count: number; expiresInSeconds?: number };
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

// Challenges made with a known number are solved by construction: the server
// does the same verification work as for a brute-forced one, and the timed
// window is not spent hashing.
async function solutions(pow: NonNullable<LoadJob['pow']>): Promise<string[]> {
  const out: string[] = [];
  const expires = new Date(Date.now() + (pow.expiresInSeconds ?? 600) * 1000);
  for (let i = 0; i < pow.count; i++) {
    const number = 1 + (i % 1000);
    const c = await createChallenge({ hmacKey: pow.secret, maxnumber: 1000, number, expires, params: { appId: pow.appId } });
    const payload = { algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature };
    out.push(Buffer.from(JSON.stringify(payload)).toString('base64'));
  }
  return out;
}

const job = JSON.parse(process.argv[2]!) as LoadJob;
const pool = job.pow ? await solutions(job.pow) : [];
let next = 0;

const result = await autocannon({
  url: job.url,
  method: job.method,
  headers: job.headers,
  connections: job.connections,
  duration: job.duration,
  amount: job.amount,
  requests: pool.length
    ? [
        {
          setupRequest: (request: autocannon.Request) => ({
            ...request,
            headers: { ...request.headers, 'x-challenge-solution': pool[next++ % pool.length]! },
          }),
        },
      ]
    : undefined,
});

const ok = result[job.expect ?? '2xx'];
const out: LoadResult = {
  rps: ok / (result.duration || job.duration),
  p50: result.latency.p50,
  p99: result.latency.p99,
  ok,
  failed: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'] - ok + result.errors + result.timeouts,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
