// `npm run cluster`: three latchkey nodes on one PostgreSQL database behind a
// round-robin proxy, on one machine, to see several nodes behave as one
// service (contract §5). Development only; no Docker needed.
//
//   npm run cluster                       proxy on 127.0.0.1:3000, nodes on 3001-3003
//   npm run cluster -- --port 4000        proxy on 4000, nodes on 4001-4003 (or CLUSTER_PORT=4000)
//   npm run cluster -- --nodes 5          five nodes
//   npm run cluster -- --pow              proof of work on (or set POW_HMAC_SECRET)
//
// The database is DATABASE_URL when it is a postgres:// URL; otherwise a
// throwaway PostgreSQL (scripts/test-postgres.ts: the machine's PostgreSQL
// server binaries, a temporary directory, deleted on exit). The nodes share
// DATABASE_URL, MANAGE_API_KEY (yours, or one generated and printed here),
// POW_HMAC_SECRET and TRUST_PROXY=1, and migrate concurrently at start (under
// the migration lock). Every other variable in the environment reaches them
// unchanged. Ctrl-C (or SIGTERM) stops the proxy, the nodes and the throwaway
// database, each by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { roundRobinProxy } from './cluster/round-robin-proxy.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './test-postgres.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.CLUSTER_PORT ?? '3000' },
    nodes: { type: 'string', default: '3' },
    pow: { type: 'boolean', default: false },
  },
});
const proxyPort = Number(args.port);
const count = Number(args.nodes);
if (!Number.isInteger(proxyPort) || proxyPort < 1 || proxyPort + count > 65535 || !Number.isInteger(count) || count < 1 || count > 20) {
  process.stderr.write('cluster: --port must be a port with room for the nodes above it, --nodes 1-20\n');
  process.exit(2);
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

let throwaway: ThrowawayPostgres | undefined;
const nodes: { port: number; child: ChildProcess }[] = [];
let proxy: ReturnType<typeof roundRobinProxy> | undefined;
let stopping: Promise<void> | undefined;

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function stopAll(code: number): Promise<void> {
  stopping ??= (async () => {
    proxy?.close();
    proxy?.closeAllConnections();
    await Promise.all(
      nodes.map(async ({ child }) => {
        if (!running(child)) return;
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
    await throwaway?.destroy().catch((error: Error) => process.stderr.write(`cluster: stopping PostgreSQL: ${error.message}\n`));
    process.stdout.write('cluster: stopped\n');
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** Each line a node writes, prefixed with its port. */
function relay(port: number, child: ChildProcess) {
  for (const [stream, out] of [
    [child.stdout!, process.stdout],
    [child.stderr!, process.stderr],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => out.write(`[${port}] ${line}\n`));
  }
}

async function waitUntilReady(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!running(child)) throw new Error(`node ${port} exited (${child.exitCode ?? child.signalCode}) during start-up`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`node ${port} not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function main() {
  const given = process.env.DATABASE_URL;
  const usesGiven = given !== undefined && /^postgres(ql)?:\/\//i.test(given);
  if (given && !usesGiven) process.stdout.write(`cluster: DATABASE_URL is not a postgres:// URL; starting a throwaway PostgreSQL instead\n`);
  if (!usesGiven) throwaway = await startThrowawayPostgres();
  const databaseUrl = usesGiven ? given : throwaway!.url;

  const manageKey = process.env.MANAGE_API_KEY ?? randomBytes(32).toString('hex');
  const powSecret = process.env.POW_HMAC_SECRET ?? (args.pow ? randomBytes(32).toString('hex') : undefined);
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    MANAGE_API_KEY: manageKey,
    TRUST_PROXY: '1',
    ...(powSecret ? { POW_HMAC_SECRET: powSecret } : {}),
  };

  // All at once: they migrate concurrently, one of them under the lock at a time.
  for (let i = 1; i <= count; i++) {
    const port = proxyPort + i;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    relay(port, child);
    child.once('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`cluster: node ${port} exited (${code ?? signal}); the proxy skips it\n`);
    });
    nodes.push({ port, child });
  }
  await Promise.all(nodes.map(({ port, child }) => waitUntilReady(port, child)));

  proxy = roundRobinProxy(nodes.map(({ port, child }) => ({ port, alive: () => running(child) })));
  await new Promise<void>((done, fail) => {
    proxy!.once('error', fail);
    proxy!.listen(proxyPort, '127.0.0.1', () => done());
  });

  const lines = [
    '',
    `latchkey cluster: ${count} nodes on one PostgreSQL database`,
    `  database  ${databaseUrl}${throwaway ? `  (throwaway, deleted on exit; postgres pid ${throwaway.postmasterPid()})` : ''}`,
    ...nodes.map(({ port, child }, i) => `  node ${i + 1}    http://127.0.0.1:${port}  pid ${child.pid}`),
    `  proxy     http://127.0.0.1:${proxyPort}  round robin; X-Latchkey-Node names the node that answered`,
    `  MANAGE_API_KEY=${manageKey}`,
    `  proof of work ${powSecret ? 'on' : 'off (--pow turns it on)'}`,
    '',
    'Try:',
    `  curl -si -X POST http://127.0.0.1:${proxyPort}/manage/tenants/t1/projects/p1/apps -H "Authorization: Bearer ${manageKey}" \\`,
    `    -H 'Content-Type: application/json' -d '{"name":"Demo","config":{"webClient":{"allowedDomains":["localhost"]}}}'`,
    `  curl -si -X POST http://127.0.0.1:${proxyPort}/run/auth/apps/<app id>/anonymous-session -H 'Origin: http://localhost:8080'`,
    '',
    'cluster ready; Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch(async (error: Error) => {
  process.stderr.write(`cluster: ${error.message}\n`);
  await stopAll(1);
});
