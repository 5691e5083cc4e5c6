// Contract §0, §1, §3.6: a store that cannot serve — busy, closed, gone —
// answers 503 `service_unavailable` with Retry-After within 5 s, never a 500
// and never a frozen process; /readyz notices; processes starting together on
// a new file all start; a database path or URL that cannot be used stops the
// start with one line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Response } from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { duringStartup } from '../../src/store/sqlite/busy-timeout.js';
import { openDatabase } from '../../src/store/sqlite/open.js';
import { DatabaseOpenError } from '../../src/store/store-errors.js';
import { sqliteConnection } from '../../src/store/sqlite/store.js';
import { APPS, appBody, auth, createTestApp, makeHarness, POW_SECRET, TEST_STORE, type Harness } from '../support/harness.js';
import { fetchSolution, ORIGIN, requestAnonymousSession } from '../support/run-api.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIGRATIONS = JSON.parse(readFileSync(join(ROOT, 'drizzle/sqlite/meta/_journal.json'), 'utf8')).entries.length as number;

let dir: string;
let file: string;
const cleanups: (() => void)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-faults-'));
  file = join(dir, 'latchkey.db');
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, databaseUrl = file): Promise<Harness> {
  const h = await makeHarness(env, { databaseUrl });
  cleanups.push(() => void h.close());
  return h;
}

/**
 * Another process holding the file's write lock (for at most 10 s, so that a
 * service which blocks while it waits still ends the test). `release` lets go.
 */
async function holdWriteLock(): Promise<{ release(): Promise<void> }> {
  const holder = spawn(process.execPath, ['test/db/fixtures/hold-write-lock.mjs', file, '10000'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
  cleanups.push(() => holder.exitCode === null && holder.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: holder.stdout! }).on('line', (line) => line === 'locked' && resolve());
    void exited.then(() => reject(new Error('the lock holder exited before taking the lock')));
  });
  return {
    async release() {
      holder.stdin!.end();
      expect(await exited).toBe(0);
    },
  };
}

/**
 * The longest the event loop went without running a 10 ms timer, minus those
 * 10 ms. A functional bound (the process did not freeze), not a speed test.
 */
function watchEventLoop() {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return worst;
    },
  };
}

function expectUnavailable(res: Pick<Response, 'status' | 'headers' | 'body' | 'text'>) {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: { code: 'service_unavailable', message: expect.any(String) } });
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(10);
  // 5xx messages are generic: nothing about the driver or the file.
  expect(res.text).not.toMatch(/sqlite|busy|locked|database|\.db|errno/i);
}

function listen(h: Harness): Promise<string> {
  const server: Server = createServer(h.app);
  cleanups.push(() => server.close());
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

describe.runIf(TEST_STORE === 'sqlite')('a write lock another connection keeps holding', () => {
  const pow = { POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' };

  it('makes a management write and a proof-of-work session answer 503 with Retry-After at once; both succeed once it is released', async () => {
    const h = await start(pow);
    const app = await createTestApp(h);
    const solution = await fetchSolution(h, app.id);
    const lock = await holdWriteLock();

    const loop = watchEventLoop();
    const created = await h.http.post(APPS).set(auth).send(appBody());
    const session = await requestAnonymousSession(h, app.id, { solution });
    const ready = await h.http.get('/readyz');
    const stall = loop.stop();

    expectUnavailable(created);
    expectUnavailable(session);
    expectUnavailable(ready);
    expect(stall).toBeLessThan(1000);
    await h.http.get('/healthz').expect(200);

    await lock.release();
    await h.http.post(APPS).set(auth).send(appBody()).expect(201);
    // The refused request did not spend the widget's solution.
    expect((await requestAnonymousSession(h, app.id, { solution })).status).toBe(200);
    await h.http.get('/readyz').expect(200);
  });

  it('answers a burst of widget requests within the contract’s 5 s, without freezing the process', async () => {
    // Were every request to wait for the lock in turn, the last of 60 would wait 60 × the busy timeout.
    const h = await start(pow);
    const app = await createTestApp(h);
    const solutions: string[] = [];
    for (let i = 0; i < 60; i += 1) solutions.push(await fetchSolution(h, app.id));
    const base = await listen(h);
    const lock = await holdWriteLock();

    const loop = watchEventLoop();
    const answers = await Promise.all(
      solutions.map(async (solution) => {
        const sent = performance.now();
        const res = await fetch(`${base}/run/auth/apps/${app.id}/anonymous-session`, {
          method: 'POST',
          headers: { Origin: ORIGIN, 'X-Challenge-Solution': solution },
        });
        const text = await res.text();
        return { status: res.status, text, retryAfter: res.headers.get('retry-after'), ms: performance.now() - sent };
      }),
    );
    const stall = loop.stop();

    expect(answers.map((a) => a.status)).toEqual(solutions.map(() => 503));
    expect(answers.every((a) => JSON.parse(a.text).error.code === 'service_unavailable' && Number(a.retryAfter) >= 1)).toBe(true);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(5000);
    expect(stall).toBeLessThan(1000);

    await lock.release();
    const after = await fetch(`${base}/run/auth/apps/${app.id}/anonymous-session`, {
      method: 'POST',
      headers: { Origin: ORIGIN, 'X-Challenge-Solution': solutions[0]! },
    });
    expect(after.status).toBe(200);
  });
});

describe.runIf(TEST_STORE === 'sqlite')('a database handle that is no longer open', () => {
  it('answers 503 with Retry-After, not 500, on the management API, the run API and /readyz', async () => {
    const h = await start({}, ':memory:');
    const app = await createTestApp(h);
    sqliteConnection(h.store)!.close();

    expectUnavailable(await h.http.get(APPS).set(auth));
    expectUnavailable(await h.http.post(APPS).set(auth).send(appBody()));
    expectUnavailable(await requestAnonymousSession(h, app.id));
    expectUnavailable(await h.http.get('/readyz'));
    await h.http.get('/healthz').expect(200);
  });
});

describe.runIf(TEST_STORE === 'sqlite')('which driver errors mean the store cannot serve', () => {
  const sqliteError = (code: string) => new Database.SqliteError(`${code.toLowerCase()} (from the driver)`, code);

  it.each([
    ['SQLITE_BUSY', 503, '1'],
    ['SQLITE_BUSY_SNAPSHOT', 503, '1'],
    ['SQLITE_LOCKED_SHAREDCACHE', 503, '1'],
    ['SQLITE_IOERR_WRITE', 503, '5'],
    ['SQLITE_CANTOPEN', 503, '5'],
    ['SQLITE_READONLY_DBMOVED', 503, '5'],
    ['SQLITE_FULL', 503, '5'],
    ['SQLITE_CORRUPT', 503, '5'],
    ['SQLITE_NOTADB', 503, '5'],
    // A statement latchkey got wrong is a bug, not an outage.
    ['SQLITE_CONSTRAINT_UNIQUE', 500, undefined],
    ['SQLITE_ERROR', 500, undefined],
  ])('%s answers %i on the management API and the run API', async (code, status, retryAfter) => {
    const h = await start({}, ':memory:');
    const app = await createTestApp(h);
    vi.spyOn(sqliteConnection(h.store)!, 'prepare').mockImplementation(() => {
      throw sqliteError(code);
    });
    for (const res of [await h.http.get(APPS).set(auth), await requestAnonymousSession(h, app.id)]) {
      if (status === 503) expectUnavailable(res);
      else expect(res.body).toEqual({ error: { code: 'internal_error', message: 'Internal server error.' } });
      expect(res.status).toBe(status);
      expect(res.headers['retry-after']).toBe(retryAfter);
    }
  });
});

describe.runIf(TEST_STORE === 'sqlite')('/readyz and the file the service opened', () => {
  it('is ready on the file it opened, and on :memory:', async () => {
    await (await start()).http.get('/readyz').expect(200, { status: 'ready' });
    await (await start({}, ':memory:')).http.get('/readyz').expect(200, { status: 'ready' });
  });

  it('reports 503 once the file is deleted; /healthz stays 200', async () => {
    const h = await start();
    rmSync(file);
    expectUnavailable(await h.http.get('/readyz'));
    await h.http.get('/healthz').expect(200, { status: 'ok' });
  });

  it('reports 503 once another database is renamed over it; /healthz stays 200', async () => {
    const h = await start();
    const replacement = join(dir, 'replacement.db');
    openDatabase(replacement).$client.close();
    renameSync(replacement, file);
    expectUnavailable(await h.http.get('/readyz'));
    await h.http.get('/healthz').expect(200, { status: 'ok' });
  });
});

/** Spawns `count` processes that each open every file of `files` at the same instants; their reports. */
async function openTogether(count: number, files: string[]) {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', 'test/db/fixtures/open-at-instants.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const reports = children.map((child) => {
    const lines: string[] = [];
    const ready = new Promise<void>((resolve) => createInterface({ input: child.stdout! }).on('line', (line) => (line === 'ready' ? resolve() : lines.push(line))));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { child, lines, ready, exited };
  });
  await Promise.all(reports.map((r) => r.ready));
  // Every child is loaded; the rounds start shortly, 600 ms apart.
  const first = Date.now() + 300;
  const plan = JSON.stringify(files.map((f, round) => ({ file: f, at: first + round * 600 })));
  for (const { child } of reports) child.stdin!.end(`${plan}\n`);
  const codes = await Promise.all(reports.map((r) => r.exited));
  expect(codes).toEqual(children.map(() => 0));
  return reports.flatMap((r) => r.lines.map((line) => JSON.parse(line) as { file: string; ok: boolean; error?: string }));
}

function journal(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT hash, created_at FROM __drizzle_migrations').all() as { hash: string; created_at: number }[];
  } finally {
    db.close();
  }
}

describe.runIf(TEST_STORE === 'sqlite')('processes starting on one brand-new file at the same instant', () => {
  it('all open it, and every migration is applied exactly once', async () => {
    const files = Array.from({ length: 5 }, (_, round) => join(dir, `round-${round}`, 'latchkey.db'));
    const reports = await openTogether(8, files);

    expect(reports.filter((r) => !r.ok)).toEqual([]);
    expect(reports).toHaveLength(8 * files.length);
    for (const path of files) {
      const rows = journal(path);
      expect(rows).toHaveLength(MIGRATIONS);
      expect(new Set(rows.map((row) => row.created_at)).size).toBe(MIGRATIONS);
    }
  }, 120_000);

  it('two services both come up, with one signing key and one generated management key', async () => {
    const at = String(Date.now() + 2000);
    const services = [0, 1].map(() => startService({ DATABASE_URL: file, NODE_ENV: 'development', LATCHKEY_TEST_START_AT: at }));
    const started = await Promise.all(services.map((s) => s.listening));
    for (const { port } of started) {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
    }
    expect(started.filter((s) => s.printedKey)).toHaveLength(1);
    // How they stop is test/http's business; here they only need to be gone.
    for (const s of services) s.child.kill('SIGKILL');
    await Promise.all(services.map((s) => s.exited));

    const db = new Database(file, { readonly: true });
    cleanups.push(() => db.close());
    expect(db.prepare('SELECT count(*) FROM signing_keys').pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM settings').pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBe(MIGRATIONS);
  }, 60_000);
});

/** `src/main.ts` as `npm run dev` starts it, on 127.0.0.1 and a random port. */
function startService(env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './test/db/fixtures/start-at.mjs', 'src/main.ts'],
    { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const listening = new Promise<{ port: number; printedKey: boolean }>((resolve, reject) => {
    let printedKey = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('generated a management API key')) printedKey = true;
      if (line.includes('"latchkey listening"')) resolve({ port: JSON.parse(line).port, printedKey });
    });
    void exited.then((code) => reject(new Error(`service exited ${code} before listening: ${stderr}`)));
  });
  return { child, listening, exited };
}

/** Runs `src/main.ts` with `env`, expecting it to refuse to start; its stderr lines. */
function refusedStart(env: Record<string, string>): string[] {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', ...env },
    encoding: 'utf8',
    timeout: 20_000,
    // A service that did start is stopped for good, whatever its signal handlers do.
    killSignal: 'SIGKILL',
  });
  expect(result.error).toBeUndefined();
  expect(result.status).not.toBe(0);
  expect(result.status).not.toBeNull();
  return result.stderr.split('\n').filter((line) => line.trim() !== '');
}

describe('a database the service cannot use stops the start with one line', () => {
  it('a path under a regular file', () => {
    writeFileSync(join(dir, 'plain-file'), 'not a directory');
    const lines = refusedStart({ DATABASE_URL: join(dir, 'plain-file', 'latchkey.db') });
    expect(lines).toEqual([`latchkey: cannot open the database at ${join(dir, 'plain-file', 'latchkey.db')}: a parent of the path is a file, not a directory`]);
  });

  it('a directory', () => {
    expect(refusedStart({ DATABASE_URL: dir })).toEqual([`latchkey: cannot open the database at ${dir}: it is a directory`]);
  });

  it('a file that is not a database', () => {
    writeFileSync(file, 'just some text, long enough to be read as a database header by SQLite......');
    expect(refusedStart({ DATABASE_URL: file })).toEqual([`latchkey: cannot open the database at ${file}: file is not a database`]);
  });

  it('a database still locked when the first signing key is made, after the start-up wait', () => {
    const db = openDatabase(file);
    cleanups.push(() => db.$client.close());
    const locked = () => {
      throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
    };
    expect(() => duringStartup(db.$client, locked)).toThrow(new DatabaseOpenError(`cannot open the database at ${file}: database is locked`));
  });

  it.each([
    ['mysql://user:hunter2@db.example.com/latchkey', 'must be a SQLite file path, :memory:, or a postgres:// or postgresql:// URL'],
    ['http://user:hunter2@db.example.com/latchkey', 'must be a SQLite file path, :memory:, or a postgres:// or postgresql:// URL'],
  ])('DATABASE_URL=%s', (url, why) => {
    const lines = refusedStart({ DATABASE_URL: url });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^latchkey: invalid configuration: DATABASE_URL /);
    expect(lines[0]).toContain(why);
    expect(lines[0]).not.toContain('hunter2');
  });
});
