// Contract §1: a .env file in the working directory is read at start by the
// service and by every command; a variable set in the environment wins over
// it, even when it is set to the empty string.
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MANAGE_KEY } from '../support/harness.js';
import { postgresAvailable } from '../support/postgres.js';
import { removeDir, runCli, startCli, workDir } from '../support/cli.js';

let dir: string;
afterEach(() => removeDir(dir));

// These commands run on SQLite files of their own whatever the run's store: once, in the SQLite pass.
const describeOnce = describe.skipIf(postgresAvailable);

describeOnce('.env in the working directory', () => {
  it('configures a command', () => {
    dir = workDir('# where the database lives\nDATABASE_URL=./from-dotenv.db\n');
    const result = runCli(['migrate'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(existsSync(join(dir, 'from-dotenv.db'))).toBe(true);
  });

  it('loses to the environment', () => {
    dir = workDir('DATABASE_URL=./from-dotenv.db\n');
    const result = runCli(['migrate'], { cwd: dir, env: { DATABASE_URL: './from-env.db' } });
    expect(result.status).toBe(0);
    expect(existsSync(join(dir, 'from-env.db'))).toBe(true);
    expect(existsSync(join(dir, 'from-dotenv.db'))).toBe(false);
  });

  it('loses to a variable the environment sets empty (which means: the default)', () => {
    dir = workDir('DATABASE_URL=./db.sqlite\nLOG_LEVEL=loud\n');
    expect(runCli(['migrate'], { cwd: dir }).errorLines).toEqual([
      expect.stringMatching(/^latchkey migrate: invalid configuration: LOG_LEVEL /),
    ]);
    expect(runCli(['migrate'], { cwd: dir, env: { LOG_LEVEL: '' } }).status).toBe(0);
  });

  it('that cannot be read stops the command with one line', () => {
    dir = workDir();
    mkdirSync(join(dir, '.env'));
    const result = runCli(['migrate'], { cwd: dir, env: { DATABASE_URL: './db.sqlite' } });
    expect(result.status).toBe(1);
    expect(result.errorLines).toEqual([expect.stringMatching(/^latchkey migrate: cannot read .*\.env: not a file$/)]);
  });

  it('configures `latchkey serve`, which stops with exit 0 on SIGTERM', async () => {
    dir = workDir(
      ['HOST=127.0.0.1', 'PORT=0', 'DATABASE_URL=./served.db', `MANAGE_API_KEY=${MANAGE_KEY}`, 'NODE_ENV=production'].join('\n'),
    );
    const child = startCli(['serve'], { cwd: dir });
    const exited = once(child, 'exit');
    let output = '';
    child.stdout!.setEncoding('utf8');
    const listening = new Promise<{ host: string; port: number }>((resolve, reject) => {
      child.stdout!.on('data', (text: string) => {
        output += text;
        const line = output.split('\n').find((candidate) => candidate.includes('"latchkey listening"'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${output}`)));
    });
    try {
      const { host, port } = await listening;
      expect(host).toBe('127.0.0.1');
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      // The management key came from .env: it is accepted, and none was generated.
      const me = await fetch(`http://127.0.0.1:${port}/manage/tenants/t/projects/p/apps`, {
        headers: { Authorization: `Bearer ${MANAGE_KEY}` },
      });
      expect(me.status).toBe(200);
      expect(output).not.toContain('generated a management API key');
      expect(existsSync(join(dir, 'served.db'))).toBe(true);
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
