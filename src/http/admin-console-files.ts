// The built admin console (admin/build.ts): index.html and its fingerprinted
// assets, read once into memory. Served from a fixed table of names, so no
// request path ever reaches the file system (no traversal to guard against).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
}

export interface ConsoleFiles {
  index: Buffer;
  /** By file name under /admin/assets/. */
  assets: ReadonlyMap<string, ConsoleAsset>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Where the build is when none is named: compiled, dist/admin-console beside
 * dist/src (npm run build, scripts/release.sh); run from source (tsx), the
 * last `npm run build`'s dist/admin-console.
 */
export function defaultConsoleDir(): string {
  const candidates = [fileURLToPath(new URL('../../admin-console', import.meta.url)), fileURLToPath(new URL('../../dist/admin-console', import.meta.url))];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/** The console in `dir`, or null when it was not built there. */
export function readConsoleFiles(dir: string): ConsoleFiles | null {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return null;
  const assets = new Map<string, ConsoleAsset>();
  for (const name of readdirSync(join(dir, 'assets'))) {
    const contentType = TYPES[extname(name)];
    if (contentType) assets.set(name, { body: readFileSync(join(dir, 'assets', name)), contentType });
  }
  return { index: readFileSync(indexPath), assets };
}
