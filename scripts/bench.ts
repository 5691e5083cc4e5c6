// latchkey's benchmark: the real service (production mode, temporary SQLite
// or PostgreSQL, no rate limit) against a bare node:http ceiling doing only
// the unavoidable work (scripts/bench/ceiling.ts) on the same store, under the
// same autocannon load from a separate process, interleaved round by round so
// machine drift hits both.
// Prints requests/s, p50/p99 latency, peak RSS, CPU per request and service ÷
// ceiling per scenario (medians over rounds) and writes the figures as JSON.
//
//   npm run bench                          # 3 rounds × 5 s per scenario and target
//   npm run bench -- --rounds 5 --duration 8 --connections 50
//   npm run bench -- --only anonymous --rounds 1 --duration 2    # quick check (--only: scenarios whose name contains it)
//   npm run bench -- --only 'revocation lookup,ES256'            # several: comma-separated
//   npm run bench -- --memory              # RSS over 1 000 000 anonymous sessions
//   npm run bench -- --profile --only pow  # CPU profiles of the service and ceiling under that load
//   npm run bench -- --store postgres      # every scenario on PostgreSQL: DATABASE_URL when it is a
//                                          # postgres:// URL, else a throwaway durable cluster (fsync on)
//   npm run bench -- --metrics off         # the service with METRICS_ENABLED=false
//   npm run bench -- --compare-metrics     # what metrics cost: a second service without metrics, on the
//                                          # same database, measured in the same rounds; both ratios
//   npm run bench -- --log-level warn      # the service logging less than its default (info): what
//                                          # the refused-request log lines cost (scenario `refused`)
//   (--out <dir> for the JSON and profiles, --port-base <n> for the eight ports used)
//
// Besides the default EdDSA service and its proof-of-work twin, a third
// service with SESSION_TOKEN_ALG=ES256 (and its own ceiling) is started when
// an ES256-session scenario is selected, and the revocation-lookup app gets
// its revocations only when that scenario is selected.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeProtectedHeader, SignJWT } from 'jose';
import pg from 'pg';
import type { LoadJob, LoadResult } from './bench/load.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './test-postgres.js';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    memory: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    sessions: { type: 'string', default: '1000000' },
    out: { type: 'string', default: 'bench-results' },
    'port-base': { type: 'string', default: '4100' },
    store: { type: 'string', default: 'sqlite' },
    metrics: { type: 'string', default: 'on' },
    'compare-metrics': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
  },
});
if (opts.metrics !== 'on' && opts.metrics !== 'off') {
  console.error('bench: --metrics is on or off');
  process.exit(2);
}
if (opts.store !== 'sqlite' && opts.store !== 'postgres') {
  console.error('bench: --store is sqlite or postgres');
  process.exit(2);
}
const STORE = opts.store;
const ROUNDS = Number(opts.rounds);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
// From here: the two services and their ceilings (+0 to +3), the services
// without metrics for --compare-metrics (+4, +5), the ES256 service and its ceiling (+6, +7).
const PORT = Number(opts['port-base']);
const COMPARE_METRICS = opts['compare-metrics']!;
const MANAGE_KEY = 'bench-manage-key-0123456789abcdef0123456789';
const POW_SECRET = 'bench-pow-secret-0123456789abcdef0123456789';
const ORIGIN = 'https://bench.example.com';
const TSX = ['--import', 'tsx'];
const PROFILE_DIR = join(opts.out!, 'profiles');
if (opts.profile) rmSync(PROFILE_DIR, { recursive: true, force: true });

const work = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
const children: ChildProcess[] = [];
let throwaway: ThrowawayPostgres | undefined;
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
  if (throwaway) {
    // Only when the bench did not end normally (finish() destroys it): an
    // 'exit' handler cannot wait, so PostgreSQL gets its immediate-shutdown
    // signal and its directory goes.
    try {
      process.kill(throwaway.postmasterPid(), 'SIGQUIT');
    } catch {}
    rmSync(dirname(throwaway.dataDir), { recursive: true, force: true });
  }
});
process.on('SIGINT', () => process.exit(130));

/** Stops what the bench started, the throwaway PostgreSQL included, and exits. */
async function finish(code: number): Promise<never> {
  for (const child of children) child.kill('SIGKILL');
  await throwaway?.destroy();
  throwaway = undefined;
  process.exit(code);
}

// PostgreSQL: one database for both services (two nodes of one cluster, as
// far as latchkey can tell) and their ceilings.
let postgresUrl: string | undefined;
if (STORE === 'postgres') {
  const given = process.env.DATABASE_URL;
  if (given && /^postgres(ql)?:\/\//i.test(given)) postgresUrl = given;
  else {
    // Durable, as in production: every spent challenge is fsynced before it counts.
    throwaway = await startThrowawayPostgres({ durable: true });
    postgresUrl = throwaway.url;
  }
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before ready: ${seen}`)));
  });
}

type Sample = LoadResult & { rssMb: number; cpuUs: number; mainCpuUs: number; dbCpuUs?: number };

interface Server {
  name: string;
  port: number;
  pid: number;
  databaseUrl: string;
  child?: ChildProcess;
}

/** Profiling: V8's sampling profiler, written when the process exits (SIGTERM below). */
function profileFlags(name: string): string[] {
  // One folder per process: the ceiling runs under tsx, whose loader thread writes a profile too.
  return opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, name)}`] : [];
}

async function startService(
  name: string,
  port: number,
  env: Record<string, string>,
  // Another service's databaseUrl makes this a second process on it: same apps, same signing key.
  databaseUrl = postgresUrl ?? join(work, `${name}.db`),
): Promise<Server> {
  // Its log goes to a file, as a container's goes to a collector: each line is
  // a write the service pays for, and a pipe nobody reads would stall it.
  const log = openSync(join(work, `${name}.log`), 'a');
  const child = spawn(process.execPath, [...profileFlags(name), 'dist/src/main.js'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      MANAGE_API_KEY: MANAGE_KEY,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: opts['log-level']!,
      METRICS_ENABLED: opts.metrics === 'on' || COMPARE_METRICS ? 'true' : 'false',
      ...env,
    },
    stdio: ['ignore', log, 'inherit'],
  });
  closeSync(log);
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const poll = async (attempt: number) => {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return resolve();
      } catch {
        /* not listening yet */
      }
      if (attempt > 100) return reject(new Error(`${name} did not start`));
      setTimeout(() => poll(attempt + 1), 100);
    };
    void poll(0);
  });
  return { name, port, pid: child.pid!, databaseUrl, child };
}

async function startCeiling(name: string, port: number, config: object): Promise<Server> {
  const child = spawn(process.execPath, [...profileFlags(name), ...TSX, 'scripts/bench/ceiling.ts', JSON.stringify({ port, ...config })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await waitForLine(child, /ready/);
  return { name, port, pid: child.pid!, databaseUrl: '', child };
}

async function call(server: Server, method: string, path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: { Authorization: `Bearer ${MANAGE_KEY}`, 'Content-Type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process or one of its threads has used, in µs; Linux's clock ticks are 10 ms. */
function cpuMicros(pid: number, tid = pid): number {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

/** CPU used by a throwaway PostgreSQL server: the postmaster and its backends, in µs. */
function postgresCpuMicros(): number | undefined {
  if (!throwaway) return undefined;
  const root = throwaway.postmasterPid();
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // The postmaster's own time includes its reaped children's (cutime, cstime), so
      // a backend that exits between two samples does not take its CPU with it.
      if (Number(entry) === root) total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10_000;
      else if (Number(fields[1]) === root) total += (Number(fields[11]) + Number(fields[12])) * 10_000;
    } catch {
      // ended while we looked
    }
  }
  return total;
}

/** CPU used by all of a process's threads, in µs. */
function processCpuMicros(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => sum + cpuMicros(pid, Number(tid)), 0);
  } catch {
    return 0;
  }
}

/**
 * Runs one load job against `server`, sampling its RSS throughout, and
 * measures the CPU it spent per request: all threads, and the main (event
 * loop) thread alone. CPU per request is steadier than req/s on a shared
 * machine, and the difference between the two shows work done off the loop
 * (WebCrypto jobs run on libuv's thread pool).
 */
async function load(server: Server, job: Omit<LoadJob, 'url'> & { path: string }): Promise<Sample> {
  const cpuBefore = { all: processCpuMicros(server.pid), main: cpuMicros(server.pid), db: postgresCpuMicros() };
  let peak = rssKb(server.pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(server.pid))), 100);
  const { path, ...rest } = job;
  const full: LoadJob = { ...rest, url: `http://127.0.0.1:${server.port}${path}` };
  const child = spawn(process.execPath, [...TSX, 'scripts/bench/load.ts', JSON.stringify(full)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const result = JSON.parse(output.trim()) as LoadResult;
  const requests = Math.max(1, result.ok + result.failed);
  return {
    ...result,
    rssMb: Math.round(peak / 1024),
    cpuUs: Math.round((processCpuMicros(server.pid) - cpuBefore.all) / requests),
    mainCpuUs: Math.round((cpuMicros(server.pid) - cpuBefore.main) / requests),
    ...(cpuBefore.db === undefined ? {} : { dbCpuUs: Math.round((postgresCpuMicros()! - cpuBefore.db) / requests) }),
  };
}

// ---------------------------------------------------------------- set-up
if (spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' }).status !== 0) {
  console.error('bench: the build failed; not measuring a stale dist/');
  await finish(1);
}

const runHeaders = { Origin: ORIGIN };

/** Whether `--only` (comma-separated parts of names) selects the scenario of this name; every one without it. */
const only = opts.only?.split(',').filter(Boolean);
const wanted = (name: string) => !only || only.some((part) => name.includes(part));

const plain = await startService('service', PORT, {});
const withPow = await startService('service-pow', PORT + 1, { POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' });
// --compare-metrics: the same services without metrics, each on its twin's database.
const noMetrics = new Map<Server, Server>();
if (COMPARE_METRICS) {
  const off = { METRICS_ENABLED: 'false' };
  noMetrics.set(plain, await startService('service-nometrics', PORT + 4, off, plain.databaseUrl));
  const pow = { ...off, POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' };
  noMetrics.set(withPow, await startService('service-pow-nometrics', PORT + 5, pow, withPow.databaseUrl));
}

async function createBenchApp(server: Server, name = 'bench'): Promise<string> {
  const body = { name, config: { webClient: { allowedDomains: ['bench.example.com'] } } };
  return (await call(server, 'POST', '/manage/tenants/bench/projects/bench/apps', { body })).data.id;
}
const appId = await createBenchApp(plain);
const powAppId = await createBenchApp(withPow);

const customer: Record<string, { alg: string; kid: string; privateKey: KeyObject; publicKey: string }> = {};
for (const [alg, pair] of [
  ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['EdDSA', generateKeyPairSync('ed25519')],
] as const) {
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  customer[alg] = { alg, kid: `bench-${alg.toLowerCase()}`, privateKey: pair.privateKey, publicKey };
  await call(plain, 'POST', `/manage/tenants/bench/projects/bench/apps/${appId}/auth-keys`, {
    body: { kid: customer[alg]!.kid, algorithm: alg, publicKey },
  });
}

// Revocation lookup (§4.4): an app of the plain service holding REVOKED_EACH
// revocations by session id (jti) and as many by user, made through the
// management API before the ceiling starts, so it loads the same set. The
// measured token is not revoked (answers are 200); two tokens that are — one
// by its jti, one by its user — check that both sides really look.
const REVOKED_EACH = 1000;
async function seedRevocations() {
  const revokedAppId = await createBenchApp(plain, 'bench-revoked');
  const issue = async () => (await call(plain, 'POST', `/run/auth/apps/${revokedAppId}/anonymous-session`, { headers: runHeaders })).token as string;
  const [measured, byJti, byUser] = [await issue(), await issue(), await issue()];
  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string; sub: string };
  const bodies: object[] = [{ jti: claims(byJti).jti }, { userId: claims(byUser).sub }];
  for (let i = bodies.length; i < 2 * REVOKED_EACH; i++) bodies.push(i % 2 ? { userId: `anon_${randomUUID()}` } : { jti: randomUUID() });
  const path = `/manage/tenants/bench/projects/bench/apps/${revokedAppId}/revocations`;
  // A few at a time: the set-up is not what is measured.
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) await call(plain, 'POST', path, { body: bodies[next++] });
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { appId: revokedAppId, measured, revoked: [byJti, byUser] };
}
const revocationApp = !opts.memory && wanted('revocation lookup') ? await seedRevocations() : undefined;

const ceiling = await startCeiling('ceiling', PORT + 2, {
  databaseUrl: plain.databaseUrl,
  powSecret: POW_SECRET,
  customerKeys: Object.values(customer).map(({ kid, alg, publicKey }) => ({ kid, algorithm: alg, publicKey })),
});
const powCeiling = await startCeiling('ceiling-pow', PORT + 3, { databaseUrl: withPow.databaseUrl, powSecret: POW_SECRET, customerKeys: [] });

const anonymous = await call(plain, 'POST', `/run/auth/apps/${appId}/anonymous-session`, { headers: runHeaders });

if (revocationApp) {
  // Both sides must answer the measured token 200 and the revoked ones 401, or the scenario measures nothing.
  for (const server of [plain, ceiling]) {
    for (const [token, status] of [[revocationApp.measured, 200], ...revocationApp.revoked.map((t) => [t, 401] as const)] as const) {
      const response = await fetch(`http://127.0.0.1:${server.port}/run/auth/apps/${revocationApp.appId}/session`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (response.status !== status) throw new Error(`revocation lookup: ${server.name} answered ${response.status}, not ${status}`);
    }
  }
}

// ES256 session tokens (§4.3): a service of its own, with its own store — a
// node sharing the others' would sign with their EdDSA key, which the
// setting changes only at the next rotation — and a ceiling reading its key.
async function startEs256Pair() {
  let databaseUrl: string | undefined;
  if (postgresUrl) {
    // A second database in the same cluster (left in place on a given DATABASE_URL, like the bench's apps).
    const url = new URL(postgresUrl);
    const name = `${url.pathname.slice(1) || 'postgres'}_bench_es256`;
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    if (!(await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const service = await startService('service-es256', PORT + 6, { SESSION_TOKEN_ALG: 'ES256' }, databaseUrl);
  const es256AppId = await createBenchApp(service);
  const first = await call(service, 'POST', `/run/auth/apps/${es256AppId}/anonymous-session`, { headers: runHeaders });
  const { alg } = decodeProtectedHeader(first.token);
  if (alg !== 'ES256') throw new Error(`service-es256 signs ${alg}, not ES256: its store holds an older key`);
  const ceilingEs256 = await startCeiling('ceiling-es256', PORT + 7, { databaseUrl: service.databaseUrl, powSecret: POW_SECRET, customerKeys: [] });
  // A refresh that failed to verify would still answer 200 (with a new identity): check that both sides keep it.
  for (const server of [service, ceilingEs256]) {
    const refreshed = await call(server, 'POST', `/run/auth/apps/${es256AppId}/anonymous-session`, {
      headers: { ...runHeaders, Authorization: `Bearer ${first.token}` },
    });
    if (refreshed.userId !== first.userId) throw new Error(`refresh ES256: ${server.name} did not verify the ES256 token`);
  }
  return { service, ceiling: ceilingEs256, appId: es256AppId, token: first.token as string };
}
const es256 = !opts.memory && ['anonymous ES256', 'refresh ES256'].some(wanted) ? await startEs256Pair() : undefined;

// Customer JWTs must carry an iat within 60 s of the server clock, so each
// timed window gets a freshly signed token.
async function customerJwt(alg: string): Promise<string> {
  const { kid, privateKey } = customer[alg]!;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ plan: 'pro', org: 'bench' })
    .setProtectedHeader({ alg, kid })
    .setSubject('user-42')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
}

interface Scenario {
  name: string;
  service: Server;
  ceiling: Server;
  job: () => Promise<Omit<LoadJob, 'url'> & { path: string }>;
}

const base = { connections: CONNECTIONS, duration: DURATION };
const allScenarios: Scenario[] = [
  {
    name: 'anonymous',
    service: plain,
    ceiling,
    job: async () => ({ ...base, method: 'POST', path: `/run/auth/apps/${appId}/anonymous-session`, headers: runHeaders }),
  },
  {
    name: 'anonymous+pow',
    service: withPow,
    ceiling: powCeiling,
    job: async () => ({
      ...base,
      method: 'POST',
      path: `/run/auth/apps/${powAppId}/anonymous-session`,
      headers: runHeaders,
      pow: { secret: POW_SECRET, appId: powAppId, count: DURATION * 20_000 },
    }),
  },
  {
    name: 'refresh',
    service: plain,
    ceiling,
    job: async () => ({
      ...base,
      method: 'POST',
      path: `/run/auth/apps/${appId}/anonymous-session`,
      headers: { ...runHeaders, Authorization: `Bearer ${anonymous.token}` },
    }),
  },
  ...['ES256', 'RS256', 'EdDSA'].map(
    (alg): Scenario => ({
      name: `sign-in ${alg}`,
      service: plain,
      ceiling,
      job: async () => ({
        ...base,
        method: 'POST',
        path: `/run/auth/apps/${appId}/session`,
        headers: { ...runHeaders, Authorization: `Bearer ${await customerJwt(alg)}` },
      }),
    }),
  ),
  {
    name: 'introspection',
    service: plain,
    ceiling,
    job: async () => ({
      ...base,
      method: 'GET',
      path: `/run/auth/apps/${appId}/session`,
      headers: { Authorization: `Bearer ${anonymous.token}` },
    }),
  },
  {
    // Every request refused (403 origin_not_allowed), each one an info log
    // line and a counted error: what a misconfigured embed or a flood costs.
    name: 'refused',
    service: plain,
    ceiling,
    job: async () => ({
      ...base,
      method: 'POST',
      path: `/run/auth/apps/${appId}/anonymous-session`,
      headers: { Origin: 'https://refused.example.com' },
      expect: '4xx',
    }),
  },
  ...(revocationApp
    ? [
        {
          name: 'revocation lookup',
          service: plain,
          ceiling,
          job: async () => ({
            ...base,
            method: 'GET' as const,
            path: `/run/auth/apps/${revocationApp.appId}/session`,
            headers: { Authorization: `Bearer ${revocationApp.measured}` },
          }),
        },
      ]
    : []),
  ...(es256
    ? [
        {
          name: 'anonymous ES256',
          service: es256.service,
          ceiling: es256.ceiling,
          job: async () => ({ ...base, method: 'POST' as const, path: `/run/auth/apps/${es256.appId}/anonymous-session`, headers: runHeaders }),
        },
        {
          name: 'refresh ES256',
          service: es256.service,
          ceiling: es256.ceiling,
          job: async () => ({
            ...base,
            method: 'POST' as const,
            path: `/run/auth/apps/${es256.appId}/anonymous-session`,
            headers: { ...runHeaders, Authorization: `Bearer ${es256.token}` },
          }),
        },
      ]
    : []),
];
const scenarios = allScenarios.filter((s) => wanted(s.name));

// ---------------------------------------------------------------- memory mode
if (opts.memory) {
  const total = Number(opts.sessions);
  if (!(total >= 100_000)) {
    console.error('bench: --sessions must be at least 100000 (RSS is sampled at 10 000 and 100 000)');
    process.exit(1);
  }
  const job = await allScenarios.find((s) => s.name === 'anonymous')!.job();
  const amount = (n: number) => load(plain, { ...job, amount: n });
  const spentRows = async () => {
    if (postgresUrl) {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      const { rows } = await client.query<{ n: string }>('select count(*) as n from spent_challenges');
      await client.end();
      return Number(rows[0]!.n);
    }
    return Number(
      spawnSync(process.execPath, [
        '-e',
        `const D=require('better-sqlite3');console.log(new D(${JSON.stringify(withPow.databaseUrl)}).prepare('select count(*) from spent_challenges').pluck().get())`,
      ]).stdout.toString(),
    );
  };
  // The spent-challenge table: spend a burst of short-lived solutions, and once
  // they have expired (and the once-a-minute purge is due) spend one more.
  const powJob = await allScenarios.find((s) => s.name === 'anonymous+pow')!.job();
  const spend = (count: number) =>
    load(withPow, { ...powJob, connections: Math.min(count, CONNECTIONS), amount: count, pow: { ...powJob.pow!, count, expiresInSeconds: 30 } });
  const burst = await spend(20_000);
  const firstSpend = Date.now();
  const spentAfterBurst = await spentRows();

  await amount(10_000);
  const after10k = rssKb(plain.pid);
  const started = Date.now();
  // A sample at 100 000 too: growth that stops there is warm-up (JIT, heap sizing), not a leak.
  await amount(90_000);
  const after100k = rssKb(plain.pid);
  await amount(total - 100_000);
  const after = rssKb(plain.pid);
  const seconds = Math.round((Date.now() - started) / 1000);

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstSpend + 62_000 - Date.now())));
  await spend(1);
  const summary = {
    sessions: total,
    rssAfter10kMb: Math.round(after10k / 1024),
    rssAfter100kMb: Math.round(after100k / 1024),
    rssAfterAllMb: Math.round(after / 1024),
    growthMb: Math.round((after - after10k) / 1024),
    seconds,
    spentChallenges: { spent: burst.ok, rowsAfterBurst: spentAfterBurst, rowsAfterExpiryAndOneMore: await spentRows() },
  };
  console.log(JSON.stringify(summary, null, 2));
  await finish(0);
}

// ---------------------------------------------------------------- timed rounds
type Side = 'service' | 'ceiling' | 'nometrics';
const samples = new Map<string, Record<Side, Sample[]>>();
for (let round = 0; round < ROUNDS; round++) {
  for (const scenario of scenarios) {
    const entry = samples.get(scenario.name) ?? { service: [], ceiling: [], nometrics: [] };
    samples.set(scenario.name, entry);
    // Alternate who goes first, so a drifting machine does not favour one side.
    const sides: Side[] = noMetrics.has(scenario.service) ? ['service', 'ceiling', 'nometrics'] : ['service', 'ceiling'];
    const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
    if (sides.length === 2 && round % 2 === 1) order.reverse();
    for (const side of order) {
      const server = side === 'nometrics' ? noMetrics.get(scenario.service)! : scenario[side];
      const result = await load(server, await scenario.job());
      entry[side].push(result);
      process.stderr.write(
        `round ${round + 1}/${ROUNDS} ${scenario.name.padEnd(17)} ${side.padEnd(9)} ${Math.round(result.rps)} req/s, ` +
          `${result.cpuUs} µs CPU/req (${result.mainCpuUs} on the loop)` +
          `${result.dbCpuUs === undefined ? '' : `, PostgreSQL ${result.dbCpuUs} µs`}` +
          `${result.failed ? ` (${result.failed} failed)` : ''}\n`,
      );
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const summarize = (xs: Sample[]) => ({
  rps: Math.round(median(xs.map((x) => x.rps))),
  p50: median(xs.map((x) => x.p50)),
  p99: median(xs.map((x) => x.p99)),
  rssMb: Math.max(...xs.map((x) => x.rssMb)),
  cpuUs: median(xs.map((x) => x.cpuUs)),
  mainCpuUs: median(xs.map((x) => x.mainCpuUs)),
  ...(xs[0]?.dbCpuUs === undefined ? {} : { dbCpuUs: median(xs.map((x) => x.dbCpuUs!)) }),
  failed: xs.reduce((n, x) => n + x.failed, 0),
});
const rows = [...samples].map(([name, { service, ceiling: ceil, nometrics }]) => {
  const s = summarize(service);
  const c = summarize(ceil);
  // Ratio of medians of per-round ratios would hide a bad round; use the medians' ratio.
  const row = { scenario: name, service: s, ceiling: c, ratio: Number((s.rps / c.rps).toFixed(2)) };
  if (nometrics.length === 0) return row;
  const off = summarize(nometrics);
  return { ...row, withoutMetrics: { ...off, ratio: Number((off.rps / c.rps).toFixed(2)) } };
});

const cpuModel = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown cpu';
const meta = {
  date: new Date().toISOString(),
  store: STORE,
  machine: `${cpuModel}, ${(await import('node:os')).cpus().length} cores`,
  node: process.version,
  rounds: ROUNDS,
  durationSeconds: DURATION,
  connections: CONNECTIONS,
};
console.log(`\nlatchkey bench on ${STORE} — ${meta.date} — ${meta.machine} — node ${meta.node}`);
console.log(`${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections, medians\n`);
console.log(
  `CPU: µs of CPU per request, all threads (event loop alone)${throwaway ? '; + PG: the PostgreSQL server\'s, same request' : ''}\n`,
);
console.log('| scenario | service req/s | p50 ms | p99 ms | RSS MB | CPU µs | ceiling req/s | p50 ms | p99 ms | CPU µs | ratio |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const cpu = (x: { cpuUs: number; mainCpuUs: number; dbCpuUs?: number }) =>
  `${x.cpuUs} (${x.mainCpuUs})${x.dbCpuUs === undefined ? '' : ` + PG ${x.dbCpuUs}`}`;
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.service.rps} | ${r.service.p50} | ${r.service.p99} | ${r.service.rssMb} | ${cpu(r.service)} | ` +
      `${r.ceiling.rps} | ${r.ceiling.p50} | ${r.ceiling.p99} | ${cpu(r.ceiling)} | ${r.ratio.toFixed(2)} |` +
      (r.service.failed ? ` ${r.service.failed} non-2xx` : ''),
  );
}
if (COMPARE_METRICS) {
  console.log('\nWhat metrics cost: the same service with METRICS_ENABLED=false, on the same database, in the same rounds.\n');
  console.log('| scenario | ratio, metrics on | ratio, metrics off | difference | CPU µs on | CPU µs off |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    if (!('withoutMetrics' in r)) continue;
    const off = r.withoutMetrics;
    console.log(
      `| ${r.scenario} | ${r.ratio.toFixed(2)} | ${off.ratio.toFixed(2)} | ${(r.ratio - off.ratio).toFixed(2)} | ${cpu(r.service)} | ${cpu(off)} |`,
    );
  }
}
if (opts.profile) {
  // A graceful stop makes node write the profile; then print where each side spent its time.
  const profiled = [plain, ceiling, withPow, powCeiling, ...(es256 ? [es256.service, es256.ceiling] : [])];
  for (const server of profiled) {
    const exited = new Promise((resolve) => server.child!.once('exit', resolve));
    server.child!.kill('SIGTERM');
    await exited;
  }
  const { summarizeProfile } = await import('./bench/profile-summary.js');
  for (const server of profiled) {
    if (!scenarios.some((s) => s.service === server || s.ceiling === server)) continue;
    const dir = join(PROFILE_DIR, server.name);
    // The main thread's profile is the biggest one in the folder.
    const [path] = readdirSync(dir)
      .map((file) => join(dir, file))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    console.log(`\nprofile of ${server.name} (${path}; open in Chrome DevTools for the full picture)\n`);
    console.log(summarizeProfile(path!));
  }
}
mkdirSync(opts.out!, { recursive: true });
const file = join(opts.out!, `bench-${meta.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ meta, rows }, null, 2)}\n`);
console.log(`\nfigures written to ${file}`);
await finish(0);
