// A smoke test of `npm run cluster` (scripts/cluster.ts): a throwaway
// PostgreSQL, three nodes and the round-robin proxy come up; an app created
// through the proxy serves anonymous sessions from more than one node; SIGTERM
// stops every process it started. PostgreSQL run only (it needs the server
// binaries the run uses).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../support/postgres.js';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Four free consecutive ports in this suite's range (46000-46999): the proxy's, then the nodes'. */
async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768-60999): a port checked free there
    // can be taken by any outbound connection before the cluster listens on it
    // (CI saw a node refused "port already in use" at 46672).
    const base = 20_000 + 10 * Math.floor(Math.random() * 999);
    const free = await Promise.all([0, 1, 2, 3].map((i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no four free ports in 20000-29999');
}

/**
 * A running process's start time (clock ticks after boot), or undefined when
 * none has that pid. A zombie has exited: the daemonized PostgreSQL server is
 * reparented to pid 1, which in some containers never reaps it.
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

let script: ChildProcess | undefined;
afterAll(() => {
  // Only when the test failed half-way; the test itself stops it.
  if (script && script.exitCode === null && script.signalCode === null) script.kill('SIGTERM');
});

describe.runIf(postgresAvailable)('npm run cluster', () => {
  it('serves one app from several nodes behind its proxy and stops every process on SIGTERM', { timeout: 90_000 }, async () => {
    const base = await freePortBase();
    const { DATABASE_URL: _ignored, ...env } = process.env;
    script = spawn(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', '--port', String(base)], {
      env: { ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    script.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => script!.once('exit', (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: script!.stdout! }).on('line', (line) => {
        output += `${line}\n`;
        if (line.startsWith('cluster ready')) resolve();
      });
      script!.once('exit', () => reject(new Error(`cluster exited before it was ready:\n${output}`)));
    });
    await ready;

    const key = /MANAGE_API_KEY=(\S+)/.exec(output)![1]!;
    const pids = [...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids, output).toHaveLength(4); // three nodes and the PostgreSQL server
    // Pids are reused quickly on a busy machine: a process is the same one only if it started at the same time.
    const started = pids.map((pid) => ({ pid, at: startTime(pid) }));
    for (const { pid, at } of started) expect(at, `pid ${pid}`).toBeDefined();
    const proxy = `http://127.0.0.1:${base}`;

    const created = await fetch(`${proxy}/manage/tenants/t1/projects/p1/apps`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Cluster smoke', config: { webClient: { allowedDomains: ['docs.example.com'] } } }),
    });
    expect(created.status).toBe(201);
    const appId = ((await created.json()) as { data: { id: string } }).data.id;

    const answeredBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${proxy}/run/auth/apps/${appId}/anonymous-session`, { method: 'POST', headers: { Origin: 'https://docs.example.com' } });
      expect(res.status).toBe(200);
      answeredBy.add(res.headers.get('x-latchkey-node')!);
    }
    expect(answeredBy.size).toBeGreaterThanOrEqual(2);
    for (const node of answeredBy) expect([base + 1, base + 2, base + 3]).toContain(Number(node));

    script.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('cluster: stopped');
    expect(started.filter(({ pid, at }) => startTime(pid) === at)).toEqual([]);
  });
});
