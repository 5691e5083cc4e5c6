// Runs the `latchkey` command from source (src/cli.ts through tsx's loader, in
// one node process, so signals reach it) in a directory of the test's own,
// with a clean environment: what .env and the environment give it is exactly
// what the test says.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stderr split into its non-empty lines. */
  errorLines: string[];
}

/** A fresh working directory, with a .env file when `dotenv` is given. */
export function workDir(dotenv?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
  if (dotenv !== undefined) writeFileSync(join(dir, '.env'), dotenv);
  return dir;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

function cleanEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
}

export function runCli(args: string[], options: { cwd: string; env?: Record<string, string> }): CliResult {
  const result = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env ?? {}),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    errorLines: result.stderr.split('\n').filter((line) => line.trim() !== ''),
  };
}

export function startCli(args: string[], options: { cwd: string; env?: Record<string, string> }): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
