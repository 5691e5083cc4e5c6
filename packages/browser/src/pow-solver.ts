// The proof-of-work solver, built as its own file and loaded only when a
// challenge must be solved. It runs altcha v1's solver (altcha-lib/v1 — the
// package's default export is the v2 API, whose solutions this service does
// not accept) in Web Workers, so the page stays responsive while it hashes.
//
// The workers start from a blob: URL made from source bundled into this file:
// a Worker script must be same-origin with the page, and this package is
// often served from elsewhere (a CDN, the widget vendor's host).
import { solveChallenge } from 'altcha-lib/v1';
import workerSource from 'latchkey:altcha-worker';

export interface Challenge {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

type Answer = { number: number } | null | undefined;

// altcha's v1 worker awaits one SHA-256 digest at a time, so its speed is
// bounded by the digest round trip more than by the CPU: a few workers in
// parallel cut the wait even on a two-core machine (measured there at the
// default difficulty: median 616 ms to a session with one worker, 451 ms with four).
const MAX_WORKERS = 4;

function solveInWorkers(challenge: Challenge, count: number): Promise<number | null> {
  const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const workers: Worker[] = [];
  const stop = () => {
    for (const worker of workers) worker.terminate();
    URL.revokeObjectURL(url);
  };
  return new Promise<number | null>((resolve, reject) => {
    const step = Math.ceil((challenge.maxnumber + 1) / count);
    let unanswered = count;
    for (let i = 0; i < count; i += 1) {
      const worker = new Worker(url);
      workers.push(worker);
      worker.onmessage = (event: MessageEvent<Answer>) => {
        if (event.data) resolve(event.data.number);
        else if (--unanswered === 0) resolve(null);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || 'the proof-of-work worker failed to start'));
      };
      const start = i * step;
      const max = Math.min(challenge.maxnumber, start + step - 1);
      worker.postMessage({ type: 'work', payload: { ...challenge, start, max } });
    }
  }).finally(stop);
}

// Without workers, numbers are tried in slices between which the page gets its turn.
const SLICE = 50;
// A message is a new task, and unlike a nested setTimeout(0) it is not clamped to 4 ms.
const nextTask = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });

async function solveOnPage(challenge: Challenge): Promise<number | null> {
  for (let start = 0; start <= challenge.maxnumber; start += SLICE) {
    const max = Math.min(challenge.maxnumber, start + SLICE - 1);
    const { promise } = solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, max, start);
    const found = await promise;
    if (found) return found.number;
    await nextTask();
  }
  return null;
}

export async function solve(challenge: Challenge): Promise<number | null> {
  const count = Math.max(1, Math.min(MAX_WORKERS, navigator.hardwareConcurrency || 1));
  try {
    return await solveInWorkers(challenge, count);
  } catch {
    // A Content-Security-Policy without `worker-src blob:` (or `script-src
    // blob:`) forbids the workers: solve on the page then, slower.
    return solveOnPage(challenge);
  }
}
