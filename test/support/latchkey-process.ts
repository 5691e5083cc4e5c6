// Starts the real entry point (src/main.ts, through tsx's loader in the same
// process, so signals reach latchkey itself) as a child process on 127.0.0.1,
// for tests of start-up, signals and memory that only a whole process shows.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANAGE_KEY } from './harness.js';

export interface LatchkeyProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and everything written to stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves with the first log line whose `msg` is `msg`, seen so far or later. */
  logLine(msg: string): Promise<Record<string, unknown>>;
  /** The port it listens on, once it does. */
  port(): Promise<number>;
  /** Kills it if it still runs and removes its database. */
  cleanUp(): void;
}

export function latchkeyEnv(databaseDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: join(databaseDir, 'latchkey.db'),
    MANAGE_API_KEY: MANAGE_KEY,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'info',
    ...env,
  };
}

/** `command` defaults to the entry point under tsx; tests of `npm start` pass their own. */
export function startLatchkey(env: Record<string, string> = {}, command?: { file: string; args: string[] }): LatchkeyProcess {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-process-'));
  const { file, args } = command ?? { file: process.execPath, args: ['--import', 'tsx', 'src/main.ts'] };
  const child = spawn(file, args, { env: latchkeyEnv(dir, env), stdio: ['ignore', 'pipe', 'pipe'] });

  const lines: Record<string, unknown>[] = [];
  const waiting: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      const line = JSON.parse(part) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiting.filter((w) => w.msg === line.msg)) w.resolve(line);
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  );

  function logLine(msg: string): Promise<Record<string, unknown>> {
    const seen = lines.find((line) => line.msg === msg);
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<Record<string, unknown>>((resolve) => waiting.push({ msg, resolve })),
      exited.then(({ code, stderr }) => {
        throw new Error(`latchkey exited (${code}) before logging "${msg}": ${stderr}`);
      }),
    ]);
  }

  return {
    child,
    exited,
    logLine,
    port: async () => Number((await logLine('latchkey listening')).port),
    cleanUp() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
