// Three real latchkey processes on one database behave as one service
// (contract §5): on PostgreSQL (LATCHKEY_TEST_STORE=postgres, a fresh
// database) and on one SQLite file shared by the three (the SQLite run).
//
// The three nodes are started once for the file, at the same instant on an
// empty database (the first test checks that start), and every later test
// uses them with apps of its own. They trust one proxy hop (TRUST_PROXY=1), so
// each request names its client IP in X-Forwarded-For: the rate-limit test
// uses one client throughout, every other request a client of its own.
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSolution, solve } from '../support/run-api.js';
import { MANAGE_KEY, POW_SECRET, sharedDatabase, startNodes, stopStartedNodes, type NodeProcess, type SharedDatabase } from './nodes.js';

const ORIGIN = 'https://docs.example.com';
const RATE_LIMIT = 5;
// Contract §5: a write is in effect on every other node within 1 s.
const CROSS_NODE_MS = 1_000;

let database: SharedDatabase;
let nodes: NodeProcess[];

beforeAll(async () => {
  database = await sharedDatabase({ empty: true });
  nodes = await startNodes(
    3,
    {
      DATABASE_URL: database.url,
      POW_HMAC_SECRET: POW_SECRET,
      POW_DIFFICULTY: '1000',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      TRUST_PROXY: '1',
    },
    { together: true },
  );
}, 60_000);

afterAll(async () => {
  await stopStartedNodes();
  await database?.drop();
});

let clients = 0;
/** A client IP no other request used (10.0.0.0/8), so no rate limit is shared by accident. */
const freshClient = () => {
  clients++;
  return `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`;
};

interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  node: NodeProcess,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; client?: string } = {},
): Promise<Answer> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      'X-Forwarded-For': options.client ?? freshClient(),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const manage = { Authorization: `Bearer ${MANAGE_KEY}` };
const APPS = '/manage/tenants/t1/projects/p1/apps';

async function createApp(node: NodeProcess, allowAnonymous = true): Promise<string> {
  const res = await call(node, 'POST', APPS, {
    headers: manage,
    body: { name: 'Multi-node widget', config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous } } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id;
}

/** A fresh proof-of-work solution from `node`, solved as a widget would. */
async function solution(node: NodeProcess, appId: string): Promise<string> {
  const res = await call(node, 'GET', `/run/auth/pow/challenge?appId=${appId}`);
  expect(res.status).toBe(200);
  return encodeSolution(await solve(res.body));
}

function anonymousSession(node: NodeProcess, appId: string, headers: Record<string, string>, client?: string) {
  return call(node, 'POST', `/run/auth/apps/${appId}/anonymous-session`, { headers: { Origin: ORIGIN, ...headers }, client });
}

function publicKeyPem(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ type: 'spki', format: 'pem' }) as string;
}

const journalLength = (store: 'sqlite' | 'postgres') =>
  (JSON.parse(readFileSync(`drizzle/${store}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;

describe('three latchkey processes on one database', () => {
  it('all come up when started at the same instant on an empty database: one migration each, one signing key', async () => {
    for (const node of nodes) expect((await call(node, 'GET', '/readyz')).status, node.output()).toBe(200);

    const kids = await Promise.all(
      nodes.map(async (node) => ((await call(node, 'GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid)),
    );
    expect(kids[0]).toHaveLength(1);
    expect(kids[1]).toEqual(kids[0]);
    expect(kids[2]).toEqual(kids[0]);

    const migrations = database.store === 'postgres' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations';
    const [applied] = await database.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${migrations}`);
    expect(Number(applied!.n)).toBe(journalLength(database.store));
    const [signing] = await database.query<{ n: number | string }>('SELECT count(*) AS n FROM signing_keys');
    expect(Number(signing!.n)).toBe(1);

    if (database.store === 'postgres') {
      // Shows the barrier worked: the others met the first one's migration lock.
      const waited = nodes.filter((node) => node.output().includes('waiting for the migration lock')).length;
      console.info(`[postgres] started together on an empty database; ${waited} of 3 waited for another's migration`);
    }
  });

  it('accepts one proof-of-work solution sent to all three at once exactly once', async () => {
    const appId = await createApp(nodes[0]!);
    for (let round = 0; round < 8; round++) {
      const header = { 'X-Challenge-Solution': await solution(nodes[round % 3]!, appId) };
      const answers = await Promise.all(nodes.map((node) => anonymousSession(node, appId, header)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([200, 403, 403]);
      for (const refused of answers.filter((a) => a.status === 403)) expect(refused.body.error.code).toBe('pow_replayed');
    }
  });

  it('stops 20 concurrent key uploads through the three nodes at 5 keys', async () => {
    const appId = await createApp(nodes[0]!);
    const pems = Array.from({ length: 20 }, publicKeyPem);
    const answers = await Promise.all(
      pems.map((publicKey, i) =>
        call(nodes[i % 3]!, 'POST', `${APPS}/${appId}/auth-keys`, {
          headers: manage,
          body: { kid: `key-${i}`, algorithm: 'ES256', publicKey },
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(15);
    for (const answer of refused) expect(answer).toMatchObject({ status: 409, body: { error: { code: 'key_limit_reached' } } });
    for (const node of nodes) {
      expect((await call(node, 'GET', `${APPS}/${appId}/auth-keys`, { headers: manage })).body.data).toHaveLength(5);
    }
  });

  it(`counts a client's session requests on all three nodes together: ${RATE_LIMIT} served, then 429 with Retry-After`, async () => {
    const appId = await createApp(nodes[0]!);
    const client = freshClient();
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 4; i++) {
      const node = nodes[i % 3]!;
      const res = await anonymousSession(node, appId, { 'X-Challenge-Solution': await solution(node, appId) }, client);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.error.code).toBe('rate_limited');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses).toEqual([...Array(RATE_LIMIT).fill(200), 429, 429, 429, 429]);
    // Another client is not affected.
    const other = await anonymousSession(nodes[2]!, appId, { 'X-Challenge-Solution': await solution(nodes[2]!, appId) });
    expect(other.status).toBe(200);
  });

  it('refuses a key deleted through node A on nodes B and C within 1 s (kid_unknown)', async () => {
    const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    const appId = await createApp(a, false);
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const added = await call(a, 'POST', `${APPS}/${appId}/auth-keys`, { headers: manage, body: { kid: 'doomed', algorithm: 'ES256', publicKey: pem } });
    expect(added.status).toBe(201);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'doomed' }).setSubject('user-1').setIssuedAt(now).setExpirationTime(now + 600).sign(privateKey);
    const signIn = (node: NodeProcess) =>
      call(node, 'POST', `/run/auth/apps/${appId}/session`, { headers: { Origin: ORIGIN, Authorization: `Bearer ${token}` } });

    // Every node has the app and its key in its cache.
    for (const node of nodes) expect((await signIn(node)).status).toBe(200);

    expect((await call(a, 'DELETE', `${APPS}/${appId}/auth-keys/doomed`, { headers: manage })).status).toBe(204);
    const deleted = performance.now();
    // The node that made the write: from its very next request.
    expect((await signIn(a)).body).toMatchObject({ error: { code: 'invalid_token', reason: 'kid_unknown' } });

    const refusedAfter = async (node: NodeProcess) => {
      for (;;) {
        const res = await signIn(node);
        const elapsed = performance.now() - deleted;
        if (res.status === 401) {
          expect(res.body).toMatchObject({ error: { code: 'invalid_token', reason: 'kid_unknown' } });
          return elapsed;
        }
        expect(res.status).toBe(200);
        // Poll well past the bound, so a miss reports how late it was.
        if (elapsed > 5 * CROSS_NODE_MS) return elapsed;
      }
    };
    const [delayB, delayC] = await Promise.all([refusedAfter(b), refusedAfter(c)]);
    console.info(`[${database.store}] key deletion seen by node B after ${delayB.toFixed(1)} ms, node C after ${delayC.toFixed(1)} ms`);
    expect(delayB).toBeLessThanOrEqual(CROSS_NODE_MS);
    expect(delayC).toBeLessThanOrEqual(CROSS_NODE_MS);
  });
});
