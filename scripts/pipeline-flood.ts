// What a client that pipelines many requests and never reads the answers
// costs the server (issue 9): node:http stops parsing a connection once its
// answers back up — the socket's write buffer is full — so the rest of the
// requests stay in the kernel's buffers and the client's, not in latchkey's
// memory. This starts the real entry point, measures its resident memory,
// sends the requests in one go on one connection without reading, waits
// until nothing moves, measures again, then reads every answer.
//
//   npx tsx scripts/pipeline-flood.ts [--requests 20000] [--scenario run|openapi|all] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const SCENARIOS = {
  // The hot path: a small answer per request (a 404 app_not_found from the run API's session route).
  run: { path: '/run/auth/apps/app_pipeline01/session' },
  // A large answer per request (the OpenAPI document, ~50 KB): the server's writes back up at once.
  openapi: { path: '/openapi.json' },
};
type Scenario = keyof typeof SCENARIOS;

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    scenario: { type: 'string', default: 'all' },
    json: { type: 'boolean', default: false },
  },
});
const requests = Number(opts.requests);
const scenarios = (opts.scenario === 'all' ? Object.keys(SCENARIOS) : [opts.scenario!]) as Scenario[];
for (const name of scenarios) if (!(name in SCENARIOS)) throw new Error(`unknown scenario ${name}`);

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident and peak resident memory of a process, in bytes, from /proc. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function startServer(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: join(dir, 'latchkey.db'),
      MANAGE_API_KEY: 'pipeline-flood-manage-key-0123456789abcdef',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Drained for the whole run: a log pipe nobody reads would stall the server, not the flood.
  let seen = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      if (seen === null) return;
      seen += text;
      const listening = /"port":(\d+)[^\n]*"msg":"latchkey listening"/.exec(seen);
      if (listening) {
        seen = null as unknown as string;
        resolve(Number(listening[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  return { child, port, pid: child.pid! };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Tallies the status codes of the answers the socket delivers, until `expected` have arrived or it closes. */
function readStatuses(socket: Socket, expected: number): Promise<Record<string, number>> {
  const statusLine = /HTTP\/1\.1 (\d{3}) /g;
  const statuses: Record<string, number> = {};
  let count = 0;
  let tail = '';
  return new Promise((resolve) => {
    const done = () => resolve(statuses);
    socket.on('data', (chunk: Buffer) => {
      // Bodies are JSON, so a status line is only ever at the start of an answer.
      const text = tail + chunk.toString('latin1');
      let last = 0;
      for (const match of text.matchAll(statusLine)) {
        statuses[match[1]!] = (statuses[match[1]!] ?? 0) + 1;
        count += 1;
        last = match.index + match[0].length;
      }
      tail = text.slice(Math.max(last, text.length - 16));
      if (count >= expected) {
        socket.off('close', done);
        done();
      }
    });
    socket.once('close', done);
  });
}

async function run(name: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-flood-'));
  const server = await startServer(dir);
  try {
    // Padded to 1 KiB, so that 20 000 of them are more than the kernel's socket buffers hold.
    const head = `GET ${SCENARIOS[name].path} HTTP/1.1\r\nHost: latchkey.test\r\nX-Padding: `;
    const request = `${head}${'p'.repeat(1024 - head.length - 4)}\r\n\r\n`;

    // Warm up on a client that reads, so JIT and caches are not counted as the flood's.
    const warm = await open(server.port);
    const warmed = readStatuses(warm, 200);
    warm.write(request.repeat(200));
    await warmed;
    warm.destroy();
    await sleep(500);
    // Resets the process's peak RSS (VmHWM), so the peak read later is the flood's.
    writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
    const before = memory(server.pid);

    const client = await open(server.port);
    // No 'data' listener: the client reads nothing beyond its own small buffer.
    client.write(Buffer.from(request.repeat(requests)));
    const requestBytes = Buffer.byteLength(request) * requests;

    // Wait until nothing moves: the client's unsent bytes and the server's memory are both still.
    let last = { unsent: -1, rss: -1 };
    let still = 0;
    for (let waited = 0; still < 8 && waited < 30_000; waited += 250) {
      await sleep(250);
      const now = { unsent: client.writableLength, rss: memory(server.pid).rss };
      still = now.unsent === last.unsent && Math.abs(now.rss - last.rss) < MB ? still + 1 : 0;
      last = now;
    }
    const stalled = { ...memory(server.pid), unsent: client.writableLength };

    // Now read: every request gets its answer.
    const started = Date.now();
    const answered = await readStatuses(client, requests);
    const drainMs = Date.now() - started;
    client.destroy();

    return {
      scenario: name,
      requests,
      requestBytes,
      requestMb: +(requestBytes / MB).toFixed(1),
      unsentWhileStalledBytes: stalled.unsent,
      // Bytes of requests the server had not read while the client did not read: parsing had stopped.
      unsentWhileStalledMb: +(stalled.unsent / MB).toFixed(1),
      rssBeforeMb: +(before.rss / MB).toFixed(1),
      rssStalledMb: +(stalled.rss / MB).toFixed(1),
      rssPeakMb: +(stalled.peak / MB).toFixed(1),
      growthMb: +((stalled.peak - before.rss) / MB).toFixed(1),
      answered,
      drainMs,
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const name of scenarios) results.push(await run(name));

if (opts.json) {
  process.stdout.write(`${JSON.stringify(results)}\n`);
} else {
  for (const r of results) {
    process.stdout.write(
      `${r.scenario}: ${r.requests} pipelined requests (${r.requestMb} MB), never read\n` +
        `  server RSS ${r.rssBeforeMb} MB before, ${r.rssStalledMb} MB stalled, peak ${r.rssPeakMb} MB (growth ${r.growthMb} MB)\n` +
        (r.unsentWhileStalledMb > 0
          ? `  ${r.unsentWhileStalledMb} MB of the requests still unsent while stalled: the server had stopped reading\n`
          : '  every request read and answered into the kernel\'s buffers while stalled\n') +
        `  then read: answers by status ${JSON.stringify(r.answered)} in ${r.drainMs} ms\n`,
    );
  }
}
