// vitest global setup: builds the admin console (admin/build.ts) once into a
// temporary folder and provides its path, so the tests serve the console of
// the source they run, never a stale dist/ (or none, in a fresh clone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildAdminConsole, type ConsoleBuild } from '../../admin/build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminConsole: ConsoleBuild;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-admin-console-'));
  project.provide('adminConsole', await buildAdminConsole(join(dir, 'admin-console')));
  return () => rmSync(dir, { recursive: true, force: true });
}
