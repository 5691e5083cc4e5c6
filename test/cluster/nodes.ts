// Real latchkey processes for the multi-node tests: the service's own entry
// (`node --import tsx src/main.ts`), each on a port of its own choosing
// (PORT=0) that it reports in its 'latchkey listening' log line, all on one
// database — a fresh PostgreSQL database on the PostgreSQL run, one SQLite
// file on the SQLite run. Every process started here is remembered, so an
// afterAll can stop them all by pid even when a test failed half-way.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_STORE } from '../support/harness.js';
import { adminQuery, freshPostgresDatabase } from '../support/postgres.js';

export const MANAGE_KEY = 'cluster-manage-key-0123456789abcdef0123456789';
export const POW_SECRET = 'cluster-pow-secret-0123456789abcdef0123456789';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface SharedDatabase {
  store: 'sqlite' | 'postgres';
  /** The DATABASE_URL every node gets. */
  url: string;
  /** Runs SQL on the database as the test sees it (`$1` placeholders on both stores). */
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * The database the nodes share, on this run's store. `empty`: no table at all
 * (PostgreSQL: a database cloned from template0, else from the migrated
 * template), so the nodes' own start-up migrates it. SQLite: always a file
 * that does not exist yet.
 */
export async function sharedDatabase(options: { empty?: boolean } = {}): Promise<SharedDatabase> {
  if (TEST_STORE === 'postgres') {
    const database = await freshPostgresDatabase({ empty: options.empty });
    return {
      store: 'postgres',
      url: database.url,
      query: (text, values) => adminQuery(text, values, database.url) as never,
      drop: database.drop,
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-nodes-'));
  // A file that does not exist yet: whichever node comes first creates and migrates it.
  const file = join(dir, 'latchkey.db');
  return {
    store: 'sqlite',
    url: file,
    async query(text, values = []) {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return db.prepare(text.replace(/\$\d+/g, '?')).all(...values) as never;
      } finally {
        db.close();
      }
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface NodeProcess {
  readonly name: string;
  readonly pid: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Everything the process wrote so far (failure messages, log checks). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
}

/** Stops every process this module started that is still running (afterAll / afterEach). */
export async function stopStartedNodes(): Promise<void> {
  await Promise.all([...started].map(stopChild));
  started.clear();
}

interface Spawned {
  child: ChildProcess;
  output: () => string;
  /** Resolves with each JSON log line's message as it arrives. */
  lines: AsyncIterableIterator<string>;
}

function spawnNode(name: string, env: Record<string, string>, together: boolean): Spawned {
  // The start barrier (start-together.ts) is preloaded after tsx, so it can import the service's TypeScript.
  const preload = together ? ['--import', './test/cluster/start-together.ts'] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', ...preload, 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      MANAGE_API_KEY: MANAGE_KEY,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: [together ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => (output += `${line}\n`));
  return { child, output: () => `[${name}] ${output}`, lines: lines[Symbol.asyncIterator]() };
}

/** Reads log lines until one whose `msg` is `message`; its parsed JSON, or an error with the output so far. */
async function waitForLog(spawned: Spawned, message: string): Promise<Record<string, unknown>> {
  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${message}' within ${START_TIMEOUT_MS} ms: ${spawned.output()}`)), START_TIMEOUT_MS);
    timer.unref();
  });
  const read = (async () => {
    for (;;) {
      const { value, done } = await spawned.lines.next();
      if (done) {
        // stdout closes a moment before the exit status is known.
        if (!exited(spawned.child)) await new Promise((resolve) => spawned.child.once('exit', resolve));
        throw new Error(`exited (${spawned.child.exitCode ?? spawned.child.signalCode}) before '${message}': ${spawned.output()}`);
      }
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(value) as Record<string, unknown>;
      } catch {
        continue; // not a log line (the generated-key banner, say)
      }
      if (entry.msg === message) return entry;
    }
  })();
  return Promise.race([read, timeout]);
}

function nodeOf(name: string, spawned: Spawned, port: number): NodeProcess {
  // Keep reading so the pipe never fills and blocks the process.
  void (async () => {
    for await (const _ of spawned.lines);
  })().catch(() => {});
  return {
    name,
    pid: spawned.child.pid!,
    url: `http://127.0.0.1:${port}`,
    output: spawned.output,
    stop: () => stopChild(spawned.child),
  };
}

/** Starts one node and resolves once it listens. */
export async function startNode(name: string, env: Record<string, string>): Promise<NodeProcess> {
  const spawned = spawnNode(name, env, false);
  const listening = await waitForLog(spawned, 'latchkey listening');
  return nodeOf(name, spawned, Number(listening.port));
}

/**
 * Starts `count` nodes. With `together`, each loads its code, then waits at a
 * barrier (start-together.ts) until all have loaded; they are released in the
 * same instant, so they open the database — migrations and the first signing
 * key included — within milliseconds of each other, not whenever their module
 * loading happened to end.
 */
export async function startNodes(count: number, env: Record<string, string>, options: { together?: boolean } = {}): Promise<NodeProcess[]> {
  const together = options.together ?? false;
  const names = Array.from({ length: count }, (_, i) => `node ${String.fromCharCode(65 + i)}`);
  const spawned = names.map((name) => spawnNode(name, env, together));
  if (together) {
    await Promise.all(spawned.map((s) => waitForLog(s, 'latchkey start barrier reached')));
    for (const s of spawned) s.child.stdin!.end('go\n');
  }
  const ports = await Promise.all(spawned.map(async (s) => Number((await waitForLog(s, 'latchkey listening')).port)));
  return spawned.map((s, i) => nodeOf(names[i]!, s, ports[i]!));
}
