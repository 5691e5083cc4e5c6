// Builds @latchkey/browser into dist/:
//   index.js       the entry (ESM): what a widget imports
//   pow-solver.js  the proof-of-work solver, imported by index.js only when a
//                  challenge must be solved; it carries altcha-lib/v1's worker
//                  as a string, started as a blob: Worker
//   *.d.ts         types, from tsc
// and prints the entry's size, minified and gzipped, with everything it
// imports statically: the contract (§6) allows 8 KiB.
//
//   npx tsx packages/browser/build.ts      (or: npm run build -w @latchkey/browser)
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, 'dist');
export const ENTRY_LIMIT_BYTES = 8 * 1024;

export interface BrowserBuild {
  dist: string;
  /** The entry with all it imports statically, minified then gzipped. */
  entryGzipBytes: number;
  solverGzipBytes: number;
}

const target = ['es2022', 'chrome100', 'firefox100', 'safari15.4'];

async function bundleAltchaWorker(): Promise<string> {
  const require = createRequire(import.meta.url);
  const result = await esbuild.build({
    entryPoints: [require.resolve('altcha-lib/v1/worker')],
    bundle: true,
    format: 'iife',
    minify: true,
    target,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** The solver chunk stays a separate file: index.js imports it lazily, by its relative path. */
const solverExternal: esbuild.Plugin = {
  name: 'pow-solver-external',
  setup(build) {
    build.onResolve({ filter: /\/pow-solver\.js$/ }, () => ({ path: './pow-solver.js', external: true }));
  },
};

function altchaWorkerModule(source: string): esbuild.Plugin {
  return {
    name: 'altcha-worker-source',
    setup(build) {
      build.onResolve({ filter: /^latchkey:altcha-worker$/ }, (args) => ({ path: args.path, namespace: 'altcha-worker' }));
      build.onLoad({ filter: /.*/, namespace: 'altcha-worker' }, () => ({
        contents: `export default ${JSON.stringify(source)};`,
        loader: 'js',
      }));
    },
  };
}

export async function buildBrowserPackage(options: { types?: boolean; quiet?: boolean } = {}): Promise<BrowserBuild> {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const common = { bundle: true, format: 'esm', target, logLevel: 'silent', legalComments: 'none' } as const;

  // Published minified: what a CDN serves is what the size budget counts.
  const entry = await esbuild.build({
    ...common,
    entryPoints: [resolve(here, 'src/index.ts')],
    outfile: resolve(dist, 'index.js'),
    minify: true,
    sourcemap: true,
    plugins: [solverExternal],
  });
  const solver = await esbuild.build({
    ...common,
    entryPoints: [resolve(here, 'src/pow-solver.ts')],
    outfile: resolve(dist, 'pow-solver.js'),
    minify: true,
    sourcemap: true,
    plugins: [altchaWorkerModule(await bundleAltchaWorker())],
  });
  for (const result of [entry, solver]) if (result.errors.length) throw new Error('esbuild failed');

  if (options.types !== false) {
    const require = createRequire(import.meta.url);
    const tsc = require.resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', resolve(here, 'tsconfig.json'), '--emitDeclarationOnly'], {
      stdio: 'inherit',
    });
  }

  const gzipOf = async (file: string) => {
    const { readFile } = await import('node:fs/promises');
    return gzipSync(await readFile(resolve(dist, file)), { level: 9 }).length;
  };
  const build: BrowserBuild = {
    dist,
    entryGzipBytes: await gzipOf('index.js'),
    solverGzipBytes: await gzipOf('pow-solver.js'),
  };
  if (!options.quiet) {
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
    console.log(
      `@latchkey/browser: index.js ${kib(build.entryGzipBytes)} min+gzip (limit ${kib(ENTRY_LIMIT_BYTES)}); ` +
        `pow-solver.js ${kib(build.solverGzipBytes)} min+gzip, loaded only for proof of work`,
    );
  }
  if (build.entryGzipBytes > ENTRY_LIMIT_BYTES) {
    throw new Error(`@latchkey/browser: index.js is ${build.entryGzipBytes} bytes min+gzip, over the 8 KiB limit`);
  }
  return build;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildBrowserPackage();
}
