// Issue 9: a client that pipelines many requests on one connection and never
// reads the answers cannot grow the server's memory without bound: node:http
// stops parsing a connection once its answers back up, so the requests stay
// in the client's and the kernel's buffers. scripts/pipeline-flood.ts runs
// the flood against the real entry point and reports the server's memory
// from /proc; this checks its figures against a generous bound.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Flood {
  scenario: string;
  requests: number;
  requestBytes: number;
  unsentWhileStalledBytes: number;
  growthMb: number;
  answered: Record<string, number>;
}

describe('20 000 pipelined requests from a client that never reads', () => {
  it('leave the server’s memory nearly where it was, and every request is answered once the client reads', { timeout: 150_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pipeline-flood.ts', '--requests', '20000', '--json'], {
      encoding: 'utf8',
      timeout: 140_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const floods = JSON.parse(run.stdout) as Flood[];
    expect(floods.map((f) => f.scenario)).toEqual(['run', 'openapi']);

    for (const flood of floods) {
      // Measured: 2–15 MB. The bound is for a noisy machine; 20 000 answers held would be far more.
      expect(flood.growthMb, flood.scenario).toBeLessThan(64);
      const answered = Object.values(flood.answered).reduce((a, b) => a + b, 0);
      expect(answered, flood.scenario).toBe(flood.requests);
    }

    // Large answers back up at once: the server stopped reading, and most of the
    // requests were still waiting on the client's side.
    const openapi = floods.find((f) => f.scenario === 'openapi')!;
    expect(openapi.unsentWhileStalledBytes).toBeGreaterThan(openapi.requestBytes / 2);
  });
});
