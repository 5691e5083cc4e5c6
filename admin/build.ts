// Builds the admin console (§7) into <outDir>:
//   assets/console-<hash>.js, assets/console-<hash>.css   minified, named by content
//   index.html                                             the page, referencing them
// The service serves <outDir> at /admin (src/http/admin-console-files.ts).
// Content-hashed names let the assets be cached for a year (immutable) while
// the page itself is never cached, so a new release is picked up at once.
//
//   npx tsx admin/build.ts <outDir>     (npm run build does it into dist/admin-console)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
/** §7: the console's script and style together, gzipped. */
export const CONSOLE_LIMIT_GZIP_BYTES = 100 * 1024;

export interface ConsoleBuild {
  outDir: string;
  /** Asset file names under assets/. */
  assets: string[];
  /** JS and CSS, each gzipped, summed. */
  gzipBytes: number;
}

export async function buildAdminConsole(outDir: string): Promise<ConsoleBuild> {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(resolve(out, 'assets'), { recursive: true });
  const result = await esbuild.build({
    entryPoints: { console: resolve(here, 'src/main.ts') },
    entryNames: '[name]-[hash]',
    outdir: resolve(out, 'assets'),
    bundle: true,
    format: 'esm',
    minify: true,
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  const assets = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const js = assets.find((f) => f.endsWith('.js'));
  const css = assets.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`admin console build: expected one .js and one .css, got ${assets.join(', ')}`);
  const html = readFileSync(resolve(here, 'index.html'), 'utf8').replace('{{js}}', `/admin/assets/${js}`).replace('{{css}}', `/admin/assets/${css}`);
  writeFileSync(resolve(out, 'index.html'), html);
  const gzipBytes = [js, css].reduce((sum, f) => sum + gzipSync(readFileSync(resolve(out, 'assets', f))).length, 0);
  if (gzipBytes > CONSOLE_LIMIT_GZIP_BYTES) throw new Error(`admin console build: ${gzipBytes} bytes gzipped, over the ${CONSOLE_LIMIT_GZIP_BYTES} allowed`);
  return { outDir: out, assets, gzipBytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: tsx admin/build.ts <outDir>');
    process.exit(2);
  }
  const build = await buildAdminConsole(outDir);
  console.log(`admin console: ${build.outDir} (${build.assets.join(', ')}; ${(build.gzipBytes / 1024).toFixed(1)} KiB gzipped)`);
}
