// Spent-challenge spends on PostgreSQL: one statement per spend vs the store's
// batching (one statement per event-loop turn), with N concurrent callers.
// Starts its own throwaway cluster (durable by default, as in production),
// or uses --url. Bounded: rounds × 2 variants × seconds, plus ~2 s setup.
//
//   npx tsx scripts/bench/pg-spend.ts [--seconds 5] [--rounds 2] [--callers 20]
//                                    [--pool 10] [--prefill 300000] [--fast] [--url postgres://…]
//
// Reports ops/s, latency p50/p99, and CPU per spend: this process (all of
// node's work: driver, batching) and PostgreSQL's (the postmaster's processes,
// from /proc; only with a local cluster).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/store.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../test-postgres.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    callers: { type: 'string', default: '20' },
    pool: { type: 'string', default: '10' },
    prefill: { type: 'string', default: '300000' },
    fast: { type: 'boolean', default: false },
    url: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CALLERS = Number(args.callers);
const POOL = Number(args.pool);

// Random 64-hex challenges like real ones (random places in the b-tree), cheap to make.
let entropy = randomBytes(0);
let offset = 0;
function challenge(): string {
  if (offset + 32 > entropy.length) {
    entropy = randomBytes(32 * 8192);
    offset = 0;
  }
  offset += 32;
  return entropy.toString('hex', offset - 32, offset);
}

// CPU seconds of a process and its children (PostgreSQL backends), from /proc.
const TICKS_PER_SECOND = 100;
function treeCpuSeconds(rootPid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      const ppid = Number(fields[1]);
      if (pid === rootPid || ppid === rootPid) total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

interface Result {
  variant: string;
  ops: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
  nodeUsPerOp: number;
  pgUsPerOp: number | undefined;
}

async function measure(variant: string, spend: (c: string, e: number) => Promise<boolean>, postmaster?: number): Promise<Result> {
  const latencies: number[] = [];
  const expiresAt = Math.floor(Date.now() / 1000) + 300;
  const end = performance.now() + SECONDS * 1000;
  const cpu = process.cpuUsage();
  const pgBefore = postmaster ? treeCpuSeconds(postmaster) : 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        if (!(await spend(challenge(), expiresAt))) throw new Error('a fresh challenge was refused');
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const pgUsed = postmaster ? treeCpuSeconds(postmaster) - pgBefore : undefined;
  latencies.sort((a, b) => a - b);
  const ops = latencies.length;
  return {
    variant,
    ops,
    opsPerSecond: ops / elapsed,
    p50: latencies[Math.floor(ops * 0.5)] ?? 0,
    p99: latencies[Math.floor(ops * 0.99)] ?? 0,
    nodeUsPerOp: (used.user + used.system) / ops,
    pgUsPerOp: pgUsed === undefined ? undefined : (pgUsed * 1e6) / ops,
  };
}

async function main() {
  let cluster: ThrowawayPostgres | undefined;
  let adminUrl = args.url;
  if (!adminUrl) {
    cluster = await startThrowawayPostgres({ durable: !args.fast });
    adminUrl = cluster.url;
  }
  const database = `lk_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  try {
    const store = await openPostgresStore(url.toString(), { poolMax: POOL });
    const prefill = Number(args.prefill);
    if (prefill > 0) {
      const db = new pg.Client({ connectionString: url.toString() });
      await db.connect();
      // Today's table at TTL × rate: rows spread over the next 300 s.
      await db.query(
        `INSERT INTO spent_challenges SELECT extract(epoch FROM now())::bigint + (i % 300), md5(i::text) || md5((i + 1)::text)
         FROM generate_series(1, $1) AS i`,
        [prefill],
      );
      await db.query('VACUUM ANALYZE spent_challenges');
      await db.end();
    }
    // The statement each spend would send without batching, with the store's pool settings.
    const single = new pg.Pool({ connectionString: url.toString(), max: POOL, statement_timeout: 2_000 });
    const spendOne = async (c: string, e: number) =>
      (
        await single.query({
          name: 'spend_one',
          text: 'INSERT INTO spent_challenges (expires_at, challenge) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          values: [e, c],
        })
      ).rowCount === 1;
    const spendBatched = (c: string, e: number) => store.spentChallenges.spend(c, e);
    // Warm both pools and their prepared statements.
    await measureQuietly(spendOne, spendBatched);

    const postmaster = cluster?.postmasterPid();
    const results: Result[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      results.push(await measure('single-row', spendOne, postmaster));
      results.push(await measure('batched', spendBatched, postmaster));
    }
    await single.end();
    await store.close();

    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(
      `\nspent-challenge spends: ${CALLERS} callers, pool ${POOL}, ${SECONDS} s per run, ${prefill} rows prefilled, ` +
        `${args.url ? 'given server' : args.fast ? 'fsync off' : 'durable (fsync on, synchronous_commit on)'}; load ${load}\n\n`,
    );
    process.stdout.write('| variant | ops/s | p50 ms | p99 ms | node CPU µs/op | PostgreSQL CPU µs/op |\n|---|---|---|---|---|---|\n');
    for (const r of results) {
      process.stdout.write(
        `| ${r.variant} | ${r.opsPerSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.nodeUsPerOp.toFixed(1)} | ${r.pgUsPerOp?.toFixed(1) ?? '–'} |\n`,
      );
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await cluster?.destroy();
  }
}

async function measureQuietly(...spends: ((c: string, e: number) => Promise<boolean>)[]) {
  const expiresAt = Math.floor(Date.now() / 1000) + 300;
  for (const spend of spends) await Promise.all(Array.from({ length: POOL * 2 }, () => spend(challenge(), expiresAt)));
}

main().catch((error) => {
  process.stderr.write(`pg-spend: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
