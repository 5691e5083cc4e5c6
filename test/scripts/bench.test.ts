// A smoke test of `npm run bench` itself (issues #5, #12): short scenarios, end
// to end — build, both servers, the load generator, the table and the JSON.
// It checks that the script measures something, not how fast it is: speed
// targets are read off a real run (README, Performance), never asserted here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/postgres.js';

const out = mkdtempSync(join(tmpdir(), 'latchkey-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run bench', () => {
  it('measures each scenario against its ceiling and writes the figures as JSON', { timeout: 180_000 }, () => {
    // Below Linux's ephemeral range (32768+), so no outgoing connection holds one of the eight ports.
    const portBase = String(20_000 + Math.floor(Math.random() * 12_000));
    // One plain scenario and the two with set-ups of their own: the revocations
    // (seeded, then checked to be refused by both sides) and the ES256 service.
    const only = 'introspection,revocation lookup,refresh ES256';
    const args = ['--import', 'tsx', 'scripts/bench.ts', '--only', only, '--rounds', '1', '--duration', '1'];
    const run = spawnSync(process.execPath, [...args, '--connections', '4', '--out', out, '--port-base', portBase], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| introspection \| \d+ \|/);
    expect(run.stdout).toMatch(/\| revocation lookup \| \d+ \|/);
    expect(run.stdout).toMatch(/\| refresh ES256 \| \d+ \|/);

    const [file] = readdirSync(out).filter((name) => name.endsWith('.json'));
    const { meta, rows } = JSON.parse(readFileSync(join(out, file!), 'utf8'));
    expect(meta).toMatchObject({ rounds: 1, durationSeconds: 1, connections: 4 });
    expect(rows.map((row: { scenario: string }) => row.scenario)).toEqual(['introspection', 'revocation lookup', 'refresh ES256']);
    for (const row of rows) {
      for (const side of [row.service, row.ceiling]) {
        expect(side.rps).toBeGreaterThan(0);
        // A revoked measured token or an unverifiable ES256 one would show here as non-2xx.
        expect(side.failed).toBe(0);
        expect(side.rssMb).toBeGreaterThan(0);
      }
      expect(row.ratio).toBeCloseTo(row.service.rps / row.ceiling.rps, 1);
    }
  });

  // PostgreSQL run only: `--store postgres` starts a throwaway cluster of its own.
  it.runIf(postgresAvailable)('--store postgres measures the PoW scenario against a PostgreSQL ceiling', { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-smoke-pg-'));
    try {
      const portBase = String(20_000 + Math.floor(Math.random() * 12_000));
      const args = ['--import', 'tsx', 'scripts/bench.ts', '--store', 'postgres', '--only', 'anonymous+pow', '--rounds', '1', '--duration', '1'];
      const { DATABASE_URL: _unused, ...env } = process.env;
      const run = spawnSync(process.execPath, [...args, '--connections', '4', '--out', dir, '--port-base', portBase], {
        encoding: 'utf8',
        timeout: 170_000,
        env,
      });
      expect(run.status, run.stderr).toBe(0);
      const [file] = readdirSync(dir).filter((name) => name.endsWith('.json'));
      const { meta, rows } = JSON.parse(readFileSync(join(dir, file!), 'utf8'));
      expect(meta.store).toBe('postgres');
      expect(rows).toHaveLength(1);
      for (const side of [rows[0].service, rows[0].ceiling]) {
        expect(side.rps).toBeGreaterThan(0);
        // Every solution accepted once: a spend that failed or double-counted would show here.
        expect(side.failed).toBe(0);
        expect(side.dbCpuUs).toBeGreaterThanOrEqual(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
