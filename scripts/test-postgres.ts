// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a fresh
// temporary directory, start it on 127.0.0.1 and a free port, delete it all on
// stop. Uses the server binaries of the machine's PostgreSQL package
// (`pg_config --bindir`: Debian keeps them off PATH), no Docker.
//
// PostgreSQL refuses to run as root, so as root every command runs as the
// `postgres` user (runuser), which then owns the directories; as anyone else
// the commands run as that user.
//
//   npx tsx scripts/test-postgres.ts                 prints the URL, stops on Ctrl-C
//   npx tsx scripts/test-postgres.ts -- <command>    runs <command> with
//                                                    LATCHKEY_TEST_DATABASE_URL set, then stops
//   --durable                                        keeps fsync and synchronous commit on (benchmarks)
//
// The vitest global setup (test/support/postgres-setup.ts) calls
// startThrowawayPostgres() itself when LATCHKEY_TEST_STORE=postgres.
import { execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The brief's port range; a port is checked free before use and the start is
// retried on another if the server still cannot bind it.
const PORT_MIN = 44000;
const PORT_MAX = 44999;

export interface ThrowawayPostgres {
  /** Superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The postmaster's pid while running (for CPU measurements). */
  postmasterPid(): number;
  /** `pg_ctl stop -m fast`: the server goes away, the data stays (outage tests). */
  stopServer(): Promise<void>;
  /** Starts the stopped server again on the same port. */
  startServer(): Promise<void>;
  /** Stops the server and deletes every file. */
  destroy(): Promise<void>;
}

export interface ThrowawayOptions {
  /** fsync and synchronous commit on, as in production; off (faster) by default. */
  durable?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

async function binDir(): Promise<string> {
  try {
    return (await run('pg_config', ['--bindir'])).stdout.trim();
  } catch {
    throw new Error(
      'PostgreSQL server binaries not found (pg_config). Install them (Debian: apt-get install -y postgresql) or set LATCHKEY_TEST_DATABASE_URL.',
    );
  }
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', name])).stdout.trim());
  const gid = Number((await run('id', ['-g', name])).stdout.trim());
  return { uid, gid };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port in ${PORT_MIN}-${PORT_MAX}`);
}

export async function startThrowawayPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
  const bin = await binDir();
  const asRoot = process.getuid?.() === 0;
  // As root, every server command runs as `postgres`, which must own the files.
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const exec = (tool: string, args: string[]) => run(...command(tool, args), { maxBuffer: 16 * 1024 * 1024 });

  const base = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  if (asRoot) {
    const { uid, gid } = await userIds('postgres');
    chownSync(base, uid, gid);
  }
  const dataDir = join(base, 'data');
  const logFile = join(base, 'server.log');
  const cleanup = () => rmSync(base, { recursive: true, force: true });

  try {
    await exec('initdb', [
      '-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions',
    ]);
  } catch (error) {
    cleanup();
    throw error;
  }

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    // Several stores per test (pool + listener each) on two test workers.
    max_connections: '300',
    ...(options.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...options.settings,
  };
  let port = 0;
  const startOn = async (onPort: number) => {
    const flags = [`-p ${onPort}`, `-k ${base}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
    await exec('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', flags, 'start']);
  };

  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await startOn(port);
      break;
    } catch (error) {
      if (attempt >= 3) {
        let log = '';
        try {
          log = readFileSync(logFile, 'utf8').slice(-2000);
        } catch {}
        cleanup();
        throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`);
      }
    }
  }

  let running = true;
  const stop = async (mode: 'fast' | 'immediate') => {
    if (!running) return;
    await exec('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']);
    running = false;
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    postmasterPid: () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    stopServer: () => stop('fast'),
    async startServer() {
      if (running) return;
      await startOn(port);
      running = true;
    },
    async destroy() {
      try {
        await stop('immediate');
      } finally {
        cleanup();
      }
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const separator = argv.indexOf('--');
  const flags = separator === -1 ? argv : argv.slice(0, separator);
  const commandLine = separator === -1 ? [] : argv.slice(separator + 1);
  const cluster = await startThrowawayPostgres({ durable: flags.includes('--durable') });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await cluster.destroy();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));

  if (commandLine.length === 0) {
    process.stdout.write(`export LATCHKEY_TEST_DATABASE_URL=${cluster.url}\n`);
    process.stderr.write('PostgreSQL is running; Ctrl-C stops it and deletes its files.\n');
    setInterval(() => {}, 1 << 30);
    return;
  }
  const child = spawn(commandLine[0]!, commandLine.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, LATCHKEY_TEST_DATABASE_URL: cluster.url },
  });
  child.on('exit', (code, signal) => void stop(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`test-postgres: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
