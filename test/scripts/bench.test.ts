// A smoke test of `npm run bench` itself (issue #5): one short scenario, end
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
  it('measures one scenario against its ceiling and writes the figures as JSON', { timeout: 180_000 }, () => {
    // Below Linux's ephemeral range (32768+), so no outgoing connection holds one of the four ports.
    const portBase = String(20_000 + Math.floor(Math.random() * 12_000));
    const args = ['--import', 'tsx', 'scripts/bench.ts', '--only', 'introspection', '--rounds', '1', '--duration', '1'];
    const run = spawnSync(process.execPath, [...args, '--connections', '4', '--out', out, '--port-base', portBase], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| introspection \| \d+ \|/);

    const [file] = readdirSync(out).filter((name) => name.endsWith('.json'));
    const { meta, rows } = JSON.parse(readFileSync(join(out, file!), 'utf8'));
    expect(meta).toMatchObject({ rounds: 1, durationSeconds: 1, connections: 4 });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.scenario).toBe('introspection');
    for (const side of [row.service, row.ceiling]) {
      expect(side.rps).toBeGreaterThan(0);
      expect(side.failed).toBe(0);
      expect(side.rssMb).toBeGreaterThan(0);
    }
    expect(row.ratio).toBeCloseTo(row.service.rps / row.ceiling.rps, 1);
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
