// Contract §1: a `.env` file in the working directory is read at start, and a
// variable already set in the environment wins over it — also when it is set
// to the empty string, so `PORT= latchkey serve` means "the default port"
// whatever .env says. Node's own parser (process.loadEnvFile, Node 20.12+)
// reads it: the same syntax as `node --env-file`, and no dependency for what
// the platform already does. It only adds missing variables to process.env;
// src/config.ts stays the one place that interprets them.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

/** Loads `<dir>/.env` into process.env when it exists; returns its path, or undefined when there is none. */
export function loadEnvFile(dir: string = process.cwd()): string | undefined {
  const path = resolve(dir, '.env');
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (!stat.isFile()) throw new Error(`cannot read ${path}: not a file`);
  try {
    process.loadEnvFile(path);
  } catch (error) {
    throw new Error(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return path;
}
